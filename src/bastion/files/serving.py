"""Serving stored uploads: always as a download, never as a page of your site.

A file a user uploaded is hostile until proven otherwise. Served inline from your origin, an
HTML or SVG file runs its scripts with your cookies. :func:`serve` therefore sends every
upload as ``application/octet-stream`` with ``Content-Disposition: attachment``,
``X-Content-Type-Options: nosniff`` and a ``sandbox`` Content Security Policy (a browser
that renders it anyway gives it a unique opaque origin, with no script and no requests).

:func:`serve` does **not** check who may read the file: call it from a view that has.
"""

from __future__ import annotations

import posixpath
from urllib.parse import quote

from bastion.files.storage.base import Storage, check_name
from bastion.http.exceptions import NotFound
from bastion.http.files import FileResponse, content_disposition
from bastion.http.request import Request
from bastion.http.response import Response

__all__ = ["UPLOAD_CSP", "UPLOAD_CSP_HEADER", "serve"]

UPLOAD_CSP: dict[str, list[str]] = {"sandbox": [], "default-src": ["'none'"]}
"""The policy of served uploads as directives (for ``csp_override``; :func:`serve` needs none)."""

UPLOAD_CSP_HEADER = "sandbox; default-src 'none'"
""":data:`UPLOAD_CSP` as a header value."""

_CONTENT_TYPE = "application/octet-stream"


def serve(
    request: Request,
    storage: Storage,
    name: str,
    *,
    download_name: str | None = None,
    x_accel_prefix: str | None = None,
) -> Response:
    """Answer with the stored file ``name`` as a download; Range and conditional GET work.

    Security: the caller must first check that the user may read this file (look the
    name up through a row the user owns, never take it from the URL as is). The name is
    checked again here (:func:`~bastion.files.storage.base.check_name`), so a malformed one
    raises :class:`~bastion.files.storage.base.SuspiciousFileName` (a 400, logged). The CSP
    middleware keeps the response's sandbox policy and adds the site's beside it (browsers
    enforce both), so the serving view needs no CSP decorator; ``@csp_override(UPLOAD_CSP)``
    still works and sends the sandbox in place of the site's policy.

    Args:
        request: The request (for the HTTP method; the view has checked permission).
        storage: Where the file is.
        name: Its storage name, as :meth:`Storage.save` returned it.
        download_name: The name the browser should suggest (e.g. the original name you
            kept); RFC 5987-encoded. Default: the storage name's last part.
        x_accel_prefix: Let nginx send the bytes: an empty response with
            ``X-Accel-Redirect: <prefix>/<name>``; map the prefix to the storage root in an
            ``internal`` location.

    Returns:
        A :class:`~bastion.http.files.FileResponse`, or an empty response for nginx.

    Raises:
        NotFound: There is no such file.
    """
    check_name(name)
    suggested = download_name or posixpath.basename(name)
    headers = {
        "Content-Disposition": content_disposition(suggested, as_attachment=True),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": UPLOAD_CSP_HEADER,
        "Cross-Origin-Resource-Policy": "same-origin",
        "Cache-Control": "private",
    }
    if x_accel_prefix is not None:
        if not storage.exists(name):
            raise NotFound("There is no such file.")
        headers["X-Accel-Redirect"] = x_accel_prefix.rstrip("/") + "/" + quote(name)
        return Response(b"", 200, headers, _CONTENT_TYPE)
    try:
        path = storage.path(name)  # a path gives validators: ETag, Last-Modified
        source = storage.open(name) if path is None else path
        return FileResponse(source, headers=headers, content_type=_CONTENT_TYPE)
    except FileNotFoundError:
        raise NotFound("There is no such file.") from None
