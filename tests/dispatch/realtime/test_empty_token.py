"""An empty ``?token=`` is a token that names nobody: accepted, then closed with 4401 (not an HTTP 403)."""

import pytest

from tests.dispatch.realtime.conftest import close_code, open_stream

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def test_an_empty_token_without_origin_is_closed_4401_after_accept():
    communicator = await open_stream("/ws/board/", token="")

    assert await close_code(communicator) == 4401
