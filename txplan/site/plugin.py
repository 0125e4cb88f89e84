"""The template library site: a MkDocs plugin that adds txplan's generated pages, and build/serve.

The spec lets a clinic build from any mkdocs.yml that names ``site_name`` and the Material theme,
so ``build_site`` adds the plugin (and search) itself when mkdocs.yml does not list them. The
plugin is also the privacy boundary, so a mistake stops the build instead of being published:

- it refuses, naming the setting, any configuration that could read ``plans/`` (docs folder, theme
  override, snippets, symbolic and hard links), write over it (``site_dir``) or make pages call
  another site (``repo_url``, off-site ``extra_css``/``extra_javascript``/logo/favicon, analytics,
  a named ``theme.font``, snippets outside the template library or downloaded); Material's default
  Google Fonts are turned off;
- it sanitizes the HTML of every page it generates, where template authors' text lands;
- it refuses any finished page that would fetch from another site or run a script from an address
  or an inline handler (``guard``).
"""

from __future__ import annotations

import logging
import os
import shutil
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
from mkdocs.theme import Theme

from ..errors import TxplanError
from ..layout import INTERVENTIONS, MKDOCS, OUTPUTS, PLANS, TEMPLATES
from ..templates import Library, load_library
from .guard import SiteAddress, page_problems, sanitized
from .pages import GeneratedSite, NavItem, generate_site

__all__ = ["PLUGIN_NAME", "SiteError", "TxplanPlugin", "build_site", "checked_library", "serve_site"]

PLUGIN_NAME = "txplan"
SEARCH_PLUGIN = "material/search"
FIRST = 100  # event priority: txplan's pages exist before any other plugin looks at the files
LAST = -100  # event priority: generated pages are sanitized after every other plugin has changed them
SHOWN_PROBLEMS = 10  # template problems quoted in the error; `txplan check` lists them all
T = TypeVar("T")
SOURCES = (PLANS, TEMPLATES)  # folders a build must never write over (site_dir)
ADDRESS_SETTINGS = ("extra_css", "extra_javascript", "theme.logo", "theme.favicon")  # addresses every page loads
SNIPPETS = "pymdownx.snippets"


class SiteError(TxplanError):
    """The site could not be built or served; the message is safe to print."""


class TxplanOptions(Config):  # type: ignore[no-untyped-call]  # MkDocs' Config.__init_subclass__
    """The plugin takes no options: the site follows templates/ and mkdocs.yml."""


class TxplanPlugin(BasePlugin[TxplanOptions]):  # type: ignore[no-untyped-call]  # BasePlugin.__init_subclass__
    """Adds the generated library pages and navigation, and keeps plans, scripts and off-site requests out."""

    def __init__(self) -> None:
        super().__init__()
        self._site: GeneratedSite | None = None

    @event_priority(FIRST)
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        if config.theme.name != "material":
            raise PluginError(f"{MKDOCS} must use `theme: material` (it uses `{config.theme.name}`)")
        root = clinic_root(config)
        refuse_plans(config, root)
        refuse_calls_out(config, root)
        self._site = generate_site(checked_library(root))
        templates = root / INTERVENTIONS
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

    @event_priority(LAST)
    def on_page_content(self, html: str, /, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        """Template authors' text lands in the generated pages: keep nothing there that runs or loads off-site."""
        if self._site is not None and any(page.file.src_uri == p.src_uri for p in self._site.pages):
            return sanitized(html, SiteAddress.of(config.site_url, page.url))
        return html

    def on_post_page(self, output: str, /, *, page: Page, config: MkDocsConfig) -> str:
        refuse_problems(output, page.file.src_uri, SiteAddress.of(config.site_url, page.url))
        return output

    def on_post_template(self, output_content: str, /, *, template_name: str, config: MkDocsConfig) -> str:
        if template_name.endswith(".html"):  # 404.html carries the navigation too
            refuse_problems(output_content, template_name, SiteAddress.of(config.site_url, ""))
        return output_content


def refuse_problems(html: str, name: str, address: SiteAddress) -> None:
    problems = page_problems(html, address)
    if problems:
        raise PluginError(f"{name}: {problems[0]}; the library site is internal, so no page may load anything from "
                          "another site or run a script from an address or an inline handler")


def own_pages_nav(files: Files, generated: set[str]) -> list[NavItem]:
    """The clinic's own pages, when mkdocs.yml has no nav, under "More" after txplan's."""
    pages = files.documentation_pages(inclusion=InclusionLevel.is_in_nav)
    own: list[NavItem] = [f.src_uri for f in pages if f.src_uri not in generated]
    return [{"More": own}] if own else []


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


# -- configuration that could publish or delete plans ------------------------------------------------------


def refuse_plans(config: MkDocsConfig, root: Path) -> None:
    """Refuse any configuration under which MkDocs would read from plans/ or write over it, before it lists a file."""
    plans = (root / PLANS).resolve()
    folders = content_dirs(config)
    for folder in folders:
        reached = plans_reached_from(folder, plans)
        if reached is not None:
            raise PluginError(f"the site would read from {PLANS}/ through {reached}: plans are never published, so "
                              f"docs_dir, theme.custom_dir and snippet paths must neither be, hold, lie in nor link to "
                              f"{PLANS}/")
    site_dir = Path(config.site_dir).resolve()
    for source in (*SOURCES, *(where.folder for where in OUTPUTS.values())):
        if _overlaps(site_dir, (root / source).resolve()):
            raise PluginError(f"site_dir {config.site_dir} is, holds or lies in {source.as_posix()}/ (links followed): "
                              f"building empties site_dir first, so it would delete the clinic's {source.as_posix()}/ "
                              "or publish it; build the site elsewhere, such as build/site")
    if Path(config.site_dir).is_symlink():
        raise PluginError(f"site_dir {config.site_dir} is a symbolic link: building empties site_dir first, so it would "
                          "delete whatever the link leads to; remove the link, and the build makes the folder")
    linked = hard_linked_plan(folders, plans)
    if linked is not None:
        raise PluginError(f"{linked} is a hard link to a file in {PLANS}/: plans are never published, so no file "
                          f"of {PLANS}/ may also have a name in docs_dir, theme.custom_dir or a snippet path")


def content_dirs(config: MkDocsConfig) -> list[Path]:
    """The folders whose files can end up in the site: docs, the theme override, Markdown snippets."""
    folders = [Path(config.docs_dir)]
    if config.theme.custom_dir:
        folders.append(Path(config.theme.custom_dir))
    return folders + snippet_paths(config)


def snippet_paths(config: MkDocsConfig) -> list[Path]:
    if SNIPPETS not in config.markdown_extensions:
        return []
    base = snippets_options(config).get("base_path", ["."])
    return [Path(b) for b in ([base] if isinstance(base, str) else base)]


def snippets_options(config: MkDocsConfig) -> dict[str, Any]:
    options: dict[str, Any] = config.mdx_configs.get(SNIPPETS, {})
    return options


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


def hard_linked_plan(folders: list[Path], plans: Path) -> Path | None:
    """The first file in folders that is also a file of plans/ under another name (the same inode).

    Only files with more than one name can be, so plans/ is listed only when there is such a file: an ordinary
    build never touches plans/.
    """
    shared = {identity: path for folder in folders for path, identity, names in _files_in(folder) if names > 1}
    if not shared:
        return None
    return next((shared[identity] for _, identity, _ in _files_in(plans) if identity in shared), None)


def _files_in(folder: Path) -> Iterator[tuple[Path, tuple[int, int], int]]:
    """Every file under folder (links followed) with its identity (device, inode) and its number of names."""
    for current, _, filenames in os.walk(folder, followlinks=True):
        for name in filenames:
            path = Path(current, name)
            try:
                info = path.stat()
            except OSError:  # a dangling link: nothing to publish
                continue
            yield path, (info.st_dev, info.st_ino), info.st_nlink


def _overlaps(path: Path, other: Path) -> bool:
    return path == other or other in path.parents or path in other.parents


# -- configuration that would make pages call another site --------------------------------------------------


def refuse_calls_out(config: MkDocsConfig, root: Path) -> None:
    """Refuse, naming the setting, what would make pages call another site; turn off Material's Google Fonts.

    The rule: a setting the clinic wrote that calls out is refused (silently dropping it would leave the clinic
    wondering); a default of Material's that calls out is turned off.
    """
    problem = next(calls_out(config, root), None)
    if problem is not None:
        raise PluginError(f"{MKDOCS}: {problem}; the library site is internal and calls nothing off-site")
    config.theme["font"] = False


def calls_out(config: MkDocsConfig, root: Path) -> Iterator[str]:
    if config.repo_url:
        yield ("`repo_url` is set, and Material then asks the repository host (api.github.com for GitHub) for its "
               "stars and forks from every page: remove `repo_url` (and `edit_uri`)")
    font = config.theme.get("font")
    if font and font != Theme("material").get("font"):
        yield "`theme.font` names a font, which Material loads from Google Fonts in every page: use `font: false`"
    if config.extra.get("analytics"):
        yield "`extra.analytics` makes every page load the analytics provider's script from another site: remove it"
    home = SiteAddress.of(config.site_url, "")
    for setting in ADDRESS_SETTINGS:
        for address in _setting_addresses(config, setting):
            if not home.loads_on_site(address):
                yield f"`{setting}` lists {address}, which is on another site: copy the file into the docs folder"
    yield from snippets_call_out(config, root)


def snippets_call_out(config: MkDocsConfig, root: Path) -> Iterator[str]:
    """Snippets may be read from the template library only, and never downloaded."""
    if SNIPPETS not in config.markdown_extensions:
        return
    options = snippets_options(config)
    if options.get("url_download"):
        yield f"`{SNIPPETS}` has `url_download: true`, which fetches snippets from other sites: remove it"
    if options.get("restrict_base_path") is False:
        yield f"`{SNIPPETS}` has `restrict_base_path: false`, which lets snippets read any file: remove it"
    library = (root / TEMPLATES).resolve()
    for path in snippet_paths(config):
        resolved = path.resolve()
        if resolved != library and library not in resolved.parents:
            yield (f"`{SNIPPETS}` reads from `{path}` (`base_path`), which is outside {TEMPLATES.as_posix()}/: "
                   "snippets may only come from the template library")


def _setting_addresses(config: MkDocsConfig, setting: str) -> list[str]:
    section, _, key = setting.rpartition(".")
    value = config.theme.get(key) if section == "theme" else config[key]
    values = value if isinstance(value, list) else [value] if value else []
    return [str(getattr(v, "path", v)) for v in values]


# -- building and serving -------------------------------------------------------------------------------


def build_site(root: Path, site_dir: Path) -> None:
    """Build the site from root/mkdocs.yml and root/templates/ into site_dir, strictly: any warning fails it."""
    with _spare_docs_dir() as spare:
        _as_site_error(lambda: build(load_site_config(root, site_dir, spare)))


def serve_site(root: Path, address: str, on_error: Callable[[str], None]) -> None:
    """Serve on address, rebuilding when mkdocs.yml, a template or a docs page changes; blocks until interrupted.

    Each build goes to a folder of its own and replaces the served site only when it succeeds, so a template saved
    with an error leaves the last good site served: the failure goes to ``on_error`` (a safe-to-print text: the
    located diagnostics of the template check, or what MkDocs reported) and the next save tries again. MkDocs'
    server holds every request while a rebuild runs, so the swap is never seen half done. The first build must
    succeed (a SiteError), since there is nothing to serve before it.
    """
    with _spare_docs_dir() as spare, tempfile.TemporaryDirectory(prefix="txplan-serve-") as folder:
        served, staging = Path(folder, "site"), Path(folder, "next")

        def fresh_config() -> MkDocsConfig:
            return load_site_config(root, staging, spare, dev_addr=address)

        config = _as_site_error(fresh_config)
        url = f"http://{config.dev_addr.host}:{config.dev_addr.port}/"  # what MkDocs' own serve uses as site_url

        def build_and_publish() -> None:
            latest = fresh_config()
            latest.site_url = url
            build(latest, serve_url=url)
            shutil.rmtree(served, ignore_errors=True)
            staging.rename(served)

        def rebuild() -> None:
            try:
                _as_site_error(build_and_publish)
            except SiteError as exc:  # raised into MkDocs' server, it would stall every request ("appear stuck")
                on_error(str(exc))

        _as_site_error(build_and_publish)
        server = LiveReloadServer(builder=rebuild, host=config.dev_addr.host, port=config.dev_addr.port, root=str(served))
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
    config_file = root / MKDOCS
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
        raise SiteError(f"cannot read {MKDOCS}: {exc.strerror or exc}") from None
    return config_file.parent / str(raw["docs_dir"])


def _add_plugin(config: MkDocsConfig, name: str, plugin: BasePlugin[Any]) -> None:
    errors, _ = plugin.load_config({}, config.config_file_path)
    if errors:
        raise SiteError(f"cannot set up the {name} plugin: {errors[0][1]}")
    config.plugins[name] = plugin


def _watched(root: Path, config: MkDocsConfig) -> list[str]:
    templates = root / INTERVENTIONS
    return [str(root / MKDOCS), config.docs_dir, *([str(templates)] if templates.is_dir() else []), *config.watch]


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
