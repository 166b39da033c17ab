"""JSON endpoints."""

from bastion import JSONResponse, NotFound, Request, Response

ITEMS = {1: "lamp", 2: "desk", 3: "chair"}


def status(request: Request) -> Response:
    """The service's state, as a monitoring probe would read it."""
    return JSONResponse({"status": "ok", "debug": request.settings.DEBUG})


def item(request: Request, pk: int) -> Response:
    """One item by id: ``pk`` arrives as an int, converted by the route's ``<int:pk>``."""
    if pk not in ITEMS:
        raise NotFound(f"No item {pk}.")
    return JSONResponse({"id": pk, "name": ITEMS[pk]})
