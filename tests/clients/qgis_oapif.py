"""Loads OGC API – Features collections through QGIS's own OAPIF provider, headless.

Run with Debian's python3 (python3-qgis) and QT_QPA_PLATFORM=offscreen:
    python3 qgis_oapif.py LANDING_URL COLLECTION [SUBSET_STRING]
Prints one JSON object: whether the layer is valid, the count QGIS reports (it takes it from
numberMatched), the ids it read, and the URLs QGIS asked for.
"""
import json
import os
import sys

import qgis_headless

from qgis.core import (
    Qgis,
    QgsNetworkAccessManager,
    QgsVectorLayer,
)


def main() -> int:
    landing, collection = sys.argv[1], sys.argv[2]
    subset = sys.argv[3] if len(sys.argv) > 3 else ""
    app, log = qgis_headless.start()
    asked = []
    QgsNetworkAccessManager.instance().requestAboutToBeCreated.connect(
        lambda params: asked.append(params.request().url().toString())
    )
    uri = f"url='{landing}' typename='{collection}' restrictToRequestBBOX='0'"
    layer = QgsVectorLayer(uri, collection, "OAPIF")
    answer = {"valid": layer.isValid(), "version": Qgis.QGIS_VERSION_INT}
    if layer.isValid():
        answer["count"] = layer.featureCount()
        if subset:
            answer["subset_accepted"] = layer.setSubsetString(subset)
        answer["ids"] = sorted(str(f["id"]) if "id" in f.fields().names() else str(f.id()) for f in layer.getFeatures())
        answer["fields"] = layer.fields().names()
        answer["crs"] = layer.crs().authid()
    answer["asked"] = asked
    answer["log"] = log
    print(json.dumps(answer, ensure_ascii=False), flush=True)
    # QGIS 3.22 can crash while tearing down its providers: the answer is out, so leave now.
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
