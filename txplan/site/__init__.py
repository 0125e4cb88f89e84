"""The template library's site: the MkDocs plugin and build/serve (``plugin``), the pages it generates
(``pages``), and the guard that keeps every page free of script and off-site requests (``guard``).

``TxplanPlugin`` is registered with MkDocs as ``txplan.site:TxplanPlugin``.
"""

from .plugin import SiteError, TxplanPlugin, build_site, serve_site

__all__ = ["SiteError", "TxplanPlugin", "build_site", "serve_site"]
