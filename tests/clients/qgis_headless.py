"""QGIS started headless for the client scripts beside it: the application, and a list that
collects what QGIS logs (the scripts print it with their answer)."""
from qgis.core import QgsApplication


def start():
    QgsApplication.setPrefixPath("/usr", True)
    app = QgsApplication([], False)
    app.initQgis()
    log = []
    QgsApplication.messageLog().messageReceived.connect(
        lambda message, tag, level: log.append(f"{tag}: {message}")
    )
    return app, log
