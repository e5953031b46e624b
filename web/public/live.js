// Keeps a page's map current: the server's change stream (`/api/v1/changes`, Server-Sent
// Events of CloudEvents) tells each change as it is published, with its collection and its
// bounding box, and the map fetches its tiles again only when the change is drawn and in
// view. EventSource reconnects by itself when the connection drops (sending the last event's
// id, so that nothing is missed), but gives up for good when it is refused (a 503 when the
// server holds as many streams as it keeps, or is restarting): then the page opens a new one
// after a while, longer each time, never all pages at once, and fetches its tiles again.

/** Collections the map does not draw: their changes leave the tiles as they are. */
const NOT_DRAWN = new Set(['figures', 'directives', 'support-policies', 'returning-workers', 'unit-changes']);

/** Follows the changes; `onChange({data_changed_at, event})` is told of each one, and of the
 *  data as it is on connecting (without an event). */
export function followChanges(map, onChange = () => {}) {
  let refusals = 0;
  let connections = 0;
  let refresh = null;
  const refetch = () => {
    // A boundary upload is thousands of changes at once: one fetch for all of them.
    if (refresh) return;
    refresh = setTimeout(() => {
      refresh = null;
      const tiles = map.getSource('covidmap');
      tiles?.setTiles(tiles.tiles);
    }, 200);
  };
  const inView = (bbox) => {
    if (!bbox) return true;
    const [w, s, e, n] = bbox.split(',').map(Number);
    const view = map.getBounds();
    return e >= view.getWest() && w <= view.getEast() && n >= view.getSouth() && s <= view.getNorth();
  };
  const connect = () => {
    const stream = new EventSource('/api/v1/changes?data=false');
    let fresh = true;
    stream.addEventListener('ready', (event) => {
      refusals = 0;
      const ready = JSON.parse(event.data);
      // A new stream (not one resumed by the browser) may have missed changes.
      if (fresh && connections > 0) refetch();
      if (fresh) connections += 1;
      fresh = false;
      onChange({ data_changed_at: ready.data_changed_at });
    });
    stream.addEventListener('message', (message) => {
      const event = JSON.parse(message.data);
      if (!NOT_DRAWN.has(event.collection) && inView(event.bbox)) refetch();
      onChange({ data_changed_at: event.time, event });
    });
    // Fallen behind the log's retention (a laptop woken after days): start afresh.
    stream.addEventListener('gone', () => {
      stream.close();
      refetch();
      setTimeout(connect, 1000 * (0.5 + Math.random()));
    });
    stream.addEventListener('error', () => {
      if (stream.readyState !== EventSource.CLOSED) return;
      refusals += 1;
      const wait = Math.min(60, 2 ** refusals) * 1000 * (0.5 + Math.random());
      setTimeout(connect, wait);
    });
  };
  connect();
}
