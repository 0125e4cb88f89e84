"""The template library site: a MkDocs plugin that adds txplan's generated pages, and build/serve.

The spec lets a clinic build from any mkdocs.yml that names ``site_name`` and the Material theme,
so ``build_site`` adds the plugin (and search) itself when mkdocs.yml does not list them. The
plugin is also the privacy boundary: it refuses any configuration that could read ``plans/`` and
any page that would fetch something from another site, so a mistake stops the build instead of
being published.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.config.base import Config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import MkDocsException, PluginError
from mkdocs.livereload import LiveReloadServer
from mkdocs.plugins import BasePlugin, event_priority, get_plugins
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page

from .check import PLAN_DIR
from .site_pages import GeneratedSite, NavItem, generate_site
from .templates import TEMPLATE_DIR, Library, load_library

CONFIG_FILE = "mkdocs.yml"
PLUGIN_NAME = "txplan"
SEARCH_PLUGIN = "material/search"
FIRST = 100  # event priority: txplan's pages exist before any other plugin looks at the files
SHOWN_PROBLEMS = 10  # template problems quoted in the error; `txplan check` lists them all
T = TypeVar("T")

# A page must not make the browser fetch anything off-site: scripts, images, frames, stylesheets, fonts,
# preconnects. Plain <a href> links are not requests and are allowed. Off-site addresses are rare in a
# page, so each one is found first and then judged by the few characters before it (fast on big pages).
_OFF_SITE_ADDRESS = re.compile(r"""//[^\s"'<>)]+""")
_LOADED_FROM = re.compile(
    r"""(?:\b(?:src|srcset|poster|data)\s*=\s*|<link\b[^<>]*\bhref\s*=\s*|\burl\(\s*|@import\s+(?:url\(\s*)?)["']?\s*"""
    r"""(?P<scheme>https?:)?$""",
    re.IGNORECASE,
)
_CONTEXT = 300  # characters before an address searched for what loads it


class SiteError(Exception):
    """The site could not be built or served; the message is safe to print."""


class TxplanOptions(Config):  # type: ignore[no-untyped-call]  # MkDocs' Config.__init_subclass__
    """The plugin takes no options: the site follows templates/ and mkdocs.yml."""


class TxplanPlugin(BasePlugin[TxplanOptions]):  # type: ignore[no-untyped-call]  # BasePlugin.__init_subclass__
    """Adds the generated library pages and navigation, and keeps plans and off-site requests out."""

    def __init__(self) -> None:
        super().__init__()
        self._site: GeneratedSite | None = None

    @event_priority(FIRST)
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        if config.theme.name != "material":
            raise PluginError(f"{CONFIG_FILE} must use `theme: material` (it uses `{config.theme.name}`)")
        root = clinic_root(config)
        refuse_plans(config, root)
        self._site = generate_site(checked_library(root))
        config.theme["font"] = False  # Material would otherwise load Google Fonts in every page
        templates = root / TEMPLATE_DIR
        if templates.is_dir():
            config.watch.append(str(templates))
        return config

    @event_priority(FIRST)
    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files:
        assert self._site is not None, "MkDocs runs on_config before on_files"
        generated = {page.src_uri for page in self._site.pages}
        clinic_nav = config.nav or own_pages_nav(files, generated)
        for page in self._site.pages:
            replaced = files.get_file_from_path(page.src_uri)
            if replaced is not None:
                files.remove(replaced)
            files.append(File.generated(config, page.src_uri, content=page.content, inclusion=InclusionLevel.INCLUDED))
        config.nav = [*self._site.nav, *clinic_nav]
        return files

    def on_post_page(self, output: str, /, *, page: Page, config: MkDocsConfig) -> str:
        loads = off_site_loads(output, config.site_url or "")
        if loads:
            raise PluginError(f"{page.file.src_uri} would make the browser fetch {loads[0]}; the library "
                              "site is internal, so it may not load anything from another site")
        return output


def own_pages_nav(files: Files, generated: set[str]) -> list[NavItem]:
    """The clinic's own pages, when mkdocs.yml has no nav, under "More" after txplan's."""
    pages = files.documentation_pages(inclusion=InclusionLevel.is_in_nav)
    own: list[NavItem] = [f.src_uri for f in pages if f.src_uri not in generated]
    return [{"More": own}] if own else []


def off_site_loads(html: str, site_url: str = "") -> list[str]:
    """Every address outside site_url that the page would fetch on its own (not the links a reader may follow)."""
    found = []
    for address in _OFF_SITE_ADDRESS.finditer(html):
        loaded = _LOADED_FROM.search(html, max(0, address.start() - _CONTEXT), address.start())
        url = (loaded.group("scheme") or "") + address.group() if loaded else ""
        if url and not (site_url and url.startswith(site_url)):
            found.append(url)
    return found


def clinic_root(config: MkDocsConfig) -> Path:
    return Path(config.config_file_path).resolve().parent if config.config_file_path else Path.cwd()


def checked_library(root: Path) -> Library:
    """The template library; a template with errors stops the build rather than silently vanishing from the site."""
    library = load_library(root)
    if library.diagnostics:
        count = len(library.diagnostics)
        lines = [d.format() for d in library.diagnostics[:SHOWN_PROBLEMS]]
        lines += [f"... and {count - SHOWN_PROBLEMS} more"] if count > SHOWN_PROBLEMS else []
        raise PluginError(f"{count} problem(s) in templates (run `txplan check`):\n" + "\n".join(lines))
    return library


def refuse_plans(config: MkDocsConfig, root: Path) -> None:
    """Refuse any configuration under which MkDocs would read from plans/, before it lists a single file."""
    plans = (root / PLAN_DIR).resolve()
    for folder in content_dirs(config):
        reached = plans_reached_from(folder, plans)
        if reached is not None:
            raise PluginError(f"the site would read from {PLAN_DIR}/ through {reached}: plans are never published, so "
                              f"docs_dir, theme.custom_dir and snippet paths must neither be, hold, lie in nor link to "
                              f"{PLAN_DIR}/")


def content_dirs(config: MkDocsConfig) -> list[Path]:
    """The folders whose files can end up in the site: docs, the theme override, Markdown snippets."""
    folders = [Path(config.docs_dir)]
    if config.theme.custom_dir:
        folders.append(Path(config.theme.custom_dir))
    if "pymdownx.snippets" in config.markdown_extensions:
        base = config.mdx_configs.get("pymdownx.snippets", {}).get("base_path", ["."])
        folders += [Path(b) for b in ([base] if isinstance(base, str) else base)]
    return folders


def plans_reached_from(folder: Path, plans: Path) -> Path | None:
    """The folder, or the first link under it, that is, holds or lies in plans/; walks links as MkDocs does."""
    if _overlaps(folder.resolve(), plans):
        return folder
    for current, dirnames, filenames in os.walk(folder, followlinks=True):
        for name in (*dirnames, *filenames):
            entry = Path(current, name)
            if entry.is_symlink() and _overlaps(entry.resolve(), plans):
                return entry
    return None


def _overlaps(path: Path, plans: Path) -> bool:
    return path == plans or plans in path.parents or path in plans.parents


# -- building and serving -------------------------------------------------------------------------------


def build_site(root: Path, site_dir: Path) -> None:
    """Build the site from root/mkdocs.yml and root/templates/ into site_dir, strictly: any warning fails it."""
    with _spare_docs_dir() as spare:
        _as_site_error(lambda: build(load_site_config(root, site_dir, spare)))


def serve_site(root: Path, address: str) -> None:
    """Serve on address, rebuilding when mkdocs.yml, a template or a docs page changes; blocks until interrupted."""
    with _spare_docs_dir() as spare, tempfile.TemporaryDirectory(prefix="txplan-serve-") as site_dir:

        def fresh_config() -> MkDocsConfig:
            return load_site_config(root, Path(site_dir), spare, dev_addr=address)

        config = _as_site_error(fresh_config)
        url = f"http://{config.dev_addr.host}:{config.dev_addr.port}/"  # what MkDocs' own serve uses as site_url

        def rebuild() -> None:
            latest = fresh_config()
            latest.site_url = url
            build(latest, serve_url=url)

        server = LiveReloadServer(builder=rebuild, host=config.dev_addr.host, port=config.dev_addr.port, root=site_dir)
        _as_site_error(rebuild)
        for path in _watched(root, config):
            server.watch(path)
        try:
            server.serve()  # type: ignore[no-untyped-call]
        except KeyboardInterrupt:
            pass
        except OSError as exc:
            raise SiteError(f"cannot serve on {address}: {exc.strerror or exc}") from None
        finally:
            server.shutdown()


def load_site_config(root: Path, site_dir: Path, spare_docs_dir: Path, **options: str) -> MkDocsConfig:
    """The clinic's mkdocs.yml, strict, with txplan's plugin and search added when it does not list them."""
    config_file = root / CONFIG_FILE
    if not configured_docs_dir(config_file).is_dir():
        options["docs_dir"] = str(spare_docs_dir)
    config = load_config(str(config_file), site_dir=str(site_dir), strict=True, **options)
    if not any(isinstance(plugin, TxplanPlugin) for plugin in config.plugins.values()):
        _add_plugin(config, PLUGIN_NAME, TxplanPlugin())
    if SEARCH_PLUGIN not in config.plugins and "search" not in config.plugins:
        _add_plugin(config, SEARCH_PLUGIN, get_plugins()[SEARCH_PLUGIN].load()())
    return config


def configured_docs_dir(config_file: Path) -> Path:
    """docs_dir as mkdocs.yml gives it, read before validation (which would refuse a missing folder)."""
    raw = MkDocsConfig(config_file_path=str(config_file))
    try:
        with config_file.open("rb") as stream:
            raw.load_file(stream)
    except OSError as exc:
        raise SiteError(f"cannot read {CONFIG_FILE}: {exc.strerror or exc}") from None
    return config_file.parent / str(raw["docs_dir"])


def _add_plugin(config: MkDocsConfig, name: str, plugin: BasePlugin[Any]) -> None:
    errors, _ = plugin.load_config({}, config.config_file_path)
    if errors:
        raise SiteError(f"cannot set up the {name} plugin: {errors[0][1]}")
    config.plugins[name] = plugin


def _watched(root: Path, config: MkDocsConfig) -> list[str]:
    templates = root / TEMPLATE_DIR
    return [str(root / CONFIG_FILE), config.docs_dir, *([str(templates)] if templates.is_dir() else []), *config.watch]


def _as_site_error(step: Callable[[], T]) -> T:
    """Run a MkDocs step; its failure becomes a SiteError carrying what MkDocs reported."""
    with _mkdocs_problems() as problems:
        try:
            return step()
        except (MkDocsException, OSError) as exc:
            raise SiteError("\n".join(problems) or str(exc)) from None


@contextmanager
def _spare_docs_dir() -> Iterator[Path]:
    """An empty docs folder for clinics that have none: every page is generated, but MkDocs needs a folder."""
    with tempfile.TemporaryDirectory(prefix="txplan-docs-") as folder:
        yield Path(folder)


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def _mkdocs_problems() -> Iterator[list[str]]:
    """Collect MkDocs' warnings and errors for the SiteError message; while collected they are not printed."""
    collector = _Collector()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(collector)
    try:
        yield collector.messages
    finally:
        logger.removeHandler(collector)
