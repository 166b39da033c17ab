"""``StaticFiles``: where a project's static files are, what URL each has, and how to serve
them in development.

One object per application (``app.static``), built from ``STATIC`` and the folders of the
project and its apps. In production nginx serves ``STATIC.root`` and Bastion only builds
URLs; in development the middleware serves the source folders directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from bastion.http.exceptions import NotFound
from bastion.http.files import FileResponse
from bastion.staticfiles.collect import CollectResult, collect_static
from bastion.staticfiles.finders import check_static_path, find_in
from bastion.staticfiles.manifest import MANIFEST_NAME, read_manifest

if TYPE_CHECKING:
    from bastion.http.request import Request
    from bastion.http.response import Response
    from bastion.settings import Settings

__all__ = ["StaticFiles"]

_SAFE_METHODS = frozenset({"GET", "HEAD"})
_NOT_FOUND = "No static file is served at this URL."


class _Manifest:
    """The loaded manifest, shaped for the two questions asked per request."""

    __slots__ = ("hashed", "urls")

    def __init__(self, paths: dict[str, str], prefix: str) -> None:
        self.urls = {name: prefix + quote(hashed) for name, hashed in paths.items()}
        """Name → finished URL of its hashed copy (``static()`` is one dict lookup)."""
        self.hashed = frozenset(paths.values())
        """Hashed names: served as ``immutable``."""


class StaticFiles:
    """A project's static files: finding, URLs, collecting and (in development) serving.

    Args:
        settings: ``STATIC``, ``BASE_DIR`` and ``DEBUG`` are read.
        source_dirs: folders searched in order: the project's ``STATIC.dirs`` first, then
            each app's ``static/``. Missing folders are skipped.
    """

    def __init__(self, settings: Settings, *, source_dirs: Sequence[Path]) -> None:
        config = settings.STATIC
        self.prefix = config.url
        """The URL prefix (``STATIC.url``), ``/`` at both ends."""
        self.source_dirs: tuple[Path, ...] = tuple(Path(d).resolve() for d in source_dirs)
        """The source folders, resolved, in search order."""
        self.root = (Path(settings.BASE_DIR) / (config.root or "staticfiles")).resolve()
        """Where :meth:`collect` writes and, with the manifest on, what is served."""
        self.use_manifest = config.manifest if config.manifest is not None else not settings.DEBUG
        """Whether URLs use the hashed names of ``STATIC.root/staticfiles.json``."""
        self._immutable = f"public, max-age={config.max_age}, immutable"
        self._manifest: _Manifest | None = None

    def __repr__(self) -> str:
        return f"<StaticFiles {self.prefix!r} manifest={self.use_manifest} root={self.root}>"

    def url(self, path: str) -> str:
        """The URL of the static file ``path`` (``"css/site.css"``), for ``static()``.

        With the manifest on this is the content-hashed copy's URL, so browsers may cache it
        for good; otherwise ``STATIC.url + path``.

        Raises:
            ValueError: ``path`` is absolute, has ``..``, or (with the manifest on) was not
                collected: the message says to run ``bastion collectstatic``.
            ImproperlyConfigured: the manifest is on but missing or unreadable.
        """
        if not self.use_manifest:
            check_static_path(path)
            return self.prefix + quote(path)
        url = self._loaded_manifest().urls.get(path)
        if url is not None:
            return url
        check_static_path(path)
        raise ValueError(
            f"The static file {path!r} is not in the manifest {self.root / MANIFEST_NAME}. "
            "Check the name; if the file is new, run `bastion collectstatic` and restart."
        )

    def find(self, path: str) -> Path | None:
        """The first source folder's file called ``path``, resolved; None when there is none.

        A name with ``..``, an absolute path, a NUL, a backslash or a drive letter, a hidden
        name, and a symlink leading outside its folder are never found.
        """
        for directory in self.source_dirs:
            found = find_in(directory, path)
            if found is not None:
                return found
        return None

    def collect(self, *, clear: bool = False) -> CollectResult:
        """Copy every static file into :attr:`root` with hashed copies and the manifest.

        The first source folder wins when two hold the same name. A running process reads
        the new manifest on the next :meth:`url` call only if it is this object; other
        processes need a restart (deploys restart anyway).

        Args:
            clear: empty :attr:`root` first (it must hold a manifest, proof that it is a
                collect destination), so deleted files disappear.

        Raises:
            ImproperlyConfigured: :attr:`root` overlaps a source folder, or cannot be cleared.
        """
        result = collect_static(self.source_dirs, self.root, clear=clear)
        self._manifest = None
        return result

    def serve(self, request: Request) -> Response | None:
        """Answer a GET or HEAD under :attr:`prefix` with the file; None for other requests.

        Files come from the source folders, or from :attr:`root` when the manifest is on.
        Hashed names are sent ``Cache-Control: public, max-age=STATIC.max_age, immutable``,
        others ``no-cache`` (revalidated by ETag).

        Raises:
            NotFound: no such file (folders, refused names and the manifest included).
            ImproperlyConfigured: the manifest is on but missing.
        """
        path = request.path
        if not path.startswith(self.prefix) or request.method not in _SAFE_METHODS:
            return None
        name = path[len(self.prefix) :]
        immutable = False
        if self.use_manifest:
            immutable = name in self._loaded_manifest().hashed
            found = find_in(self.root, name) if name != MANIFEST_NAME else None
        else:
            found = self.find(name)
        if found is None:
            raise NotFound(_NOT_FOUND)
        try:
            response = FileResponse(found)
        except FileNotFoundError:  # deleted since it was found
            raise NotFound(_NOT_FOUND) from None
        response.headers["Cache-Control"] = self._immutable if immutable else "no-cache"
        return response

    def _loaded_manifest(self) -> _Manifest:
        # Loaded on first use, not at start-up, so development and `bastion collectstatic`
        # itself work before any manifest exists. Two threads racing here both load the
        # same file; either result is correct.
        manifest = self._manifest
        if manifest is None:
            manifest = _Manifest(read_manifest(self.root / MANIFEST_NAME), self.prefix)
            self._manifest = manifest
        return manifest
