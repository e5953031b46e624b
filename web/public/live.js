// Keeps a page's map current: the server's change stream (`/api/v1/changes`, Server-Sent
// Events) says each time new data is published, and the map fetches its tiles again.
// EventSource reconnects by itself when the connection drops, but gives up for good when it
// is refused (a 503 when the server holds as many streams as it keeps, or is restarting):
// then the page opens a new one after a while, longer each time, never all pages at once.

/** Follows the changes; `onChange(change)` is told each one, the first on connecting. */
export function followChanges(map, onChange = () => {}) {
  let seen = false;
  let shown = null;
  let refusals = 0;
  const connect = () => {
    const stream = new EventSource('/api/v1/changes');
    stream.addEventListener('change', (event) => {
      refusals = 0;
      const change = JSON.parse(event.data);
      if (seen && change.data_changed_at !== shown) {
        const tiles = map.getSource('covidmap');
        tiles?.setTiles(tiles.tiles);
      }
      seen = true;
      shown = change.data_changed_at;
      onChange(change);
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
