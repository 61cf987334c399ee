"""An integrator's first hour with a client generated from Vellum's OpenAPI document:
list the workflows, upload a file with metadata, read it back, download the exact bytes,
and get a typed error for a missing asset. Run by crates/vellum/tests/contract.rs with the
generated package on PYTHONPATH: python client_story.py BASE_URL TOKEN"""

import hashlib
import io
import sys
import uuid

from vellum_client import AuthenticatedClient
from vellum_client.api.assets import download_version, get_asset, list_assets, upload_asset
from vellum_client.api.workflows import list_workflows
from vellum_client.models import AssetKind, AssetMetadata, AssetPage, AssetView, ErrorBody, UploadForm, WorkflowPage
from vellum_client.types import File


def check(cond, what):
    if not cond:
        raise SystemExit(f"client story: {what}")


def main(base_url, token):
    client = AuthenticatedClient(base_url=base_url, token=token, raise_on_unexpected_status=True)

    workflows = list_workflows.sync("wk", client=client)
    check(isinstance(workflows, WorkflowPage), f"list_workflows answered {workflows!r}")
    names = [w.name for w in workflows.workflows]
    check("Standard" in names, f"the seeded workflow is listed: {names}")
    stages = workflows.workflows[0].stages
    check(len(stages) >= 1 and stages[0].name, f"stages come typed: {stages!r}")

    payload = b"%PDF-1.4\n% a tiny file for the client story\n" + bytes(range(256))
    form = UploadForm(
        file=File(payload=io.BytesIO(payload), file_name="brief.bin", mime_type="application/octet-stream"),
        kind=AssetKind.WRITTEN,
        title="Client story",
        metadata=AssetMetadata(language="en", channels=["web"]),
        note="Uploaded by the generated client",
    )
    asset = upload_asset.sync("wk", client=client, body=form)
    check(isinstance(asset, AssetView), f"upload answered {asset!r}")
    check(asset.title == "Client story", f"title kept: {asset.title!r}")

    again = get_asset.sync(asset.id, client=client)
    check(isinstance(again, AssetView) and again.id == asset.id, f"get_asset answered {again!r}")
    check(again.metadata.language == "en" and again.metadata.channels == ["web"], f"metadata kept: {again.metadata!r}")

    page = list_assets.sync("wk", client=client, limit=1)
    check(isinstance(page, AssetPage) and len(page.assets) == 1, f"list_assets answered {page!r}")
    check(isinstance(page.next_cursor, str), "a first page of one has a cursor to the next")

    file = download_version.sync(asset.id, 1, client=client)
    check(isinstance(file, File), f"download answered {type(file).__name__}")
    got = file.payload.read()
    check(hashlib.sha256(got).digest() == hashlib.sha256(payload).digest(), "the download is the exact bytes uploaded")

    missing = get_asset.sync(uuid.uuid4(), client=client)
    check(isinstance(missing, ErrorBody), f"a missing asset is an error body: {missing!r}")
    check(missing.error.code.value == "not_found", f"with the code clients branch on: {missing.error.code!r}")
    print("client story: ok")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
