"""Edits one feature through QGIS's own OAPIF provider (OGC API - Features Part 4), headless.

Run with Debian's python3 (python3-qgis, 3.32 or later) and QT_QPA_PLATFORM=offscreen:
    python3 qgis_edit.py LANDING_URL COLLECTION TOKEN FEATURE_ID NEW_NAME
The token goes where a GIS officer puts it, in the connection's password (Basic
authentication; the user name is not checked). QGIS asks OPTIONS to learn whether it may edit,
then changes the feature's "name" and commits. Prints one JSON object: QGIS's version, the
capabilities it found, whether the commit succeeded and its errors, and what QGIS logged.
"""
import json
import os
import sys

import qgis_headless

from qgis.core import (
    Qgis,
    QgsVectorDataProvider,
    QgsVectorLayer,
)


def main() -> int:
    landing, collection, token, feature_id, new_name = sys.argv[1:6]
    app, log = qgis_headless.start()
    uri = (
        f"url='{landing}' typename='{collection}' restrictToRequestBBOX='0' "
        f"username='token' password='{token}'"
    )
    layer = QgsVectorLayer(uri, collection, "OAPIF")
    answer = {"valid": layer.isValid(), "version": Qgis.QGIS_VERSION_INT}
    if layer.isValid():
        caps = layer.dataProvider().capabilities()
        answer["can_add"] = bool(caps & QgsVectorDataProvider.AddFeatures)
        answer["can_change"] = bool(caps & QgsVectorDataProvider.ChangeAttributeValues)
        answer["can_delete"] = bool(caps & QgsVectorDataProvider.DeleteFeatures)
        target = [f for f in layer.getFeatures() if str(f["id"]) == feature_id]
        answer["found"] = len(target)
        if target:
            answer["editing"] = layer.startEditing()
            field = layer.fields().indexOf("name")
            answer["changed"] = layer.changeAttributeValue(target[0].id(), field, new_name)
            answer["committed"] = layer.commitChanges()
            answer["errors"] = layer.commitErrors()
    answer["log"] = log
    print(json.dumps(answer, ensure_ascii=False), flush=True)
    # QGIS can crash while tearing down its providers: the answer is out, so leave now.
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
