// Keeps a page's map current: the server's change stream (`/api/v1/changes`, Server-Sent
// Events) says each time new data is published, and the map fetches its tiles again.
// EventSource reconnects by itself when the connection drops.

/** Follows the changes; `onChange(change)` is told each one, the first on connecting. */
export function followChanges(map, onChange = () => {}) {
  let seen = false;
  let shown = null;
  const stream = new EventSource('/api/v1/changes');
  stream.addEventListener('change', (event) => {
    const change = JSON.parse(event.data);
    if (seen && change.data_changed_at !== shown) {
      const tiles = map.getSource('covidmap');
      tiles?.setTiles(tiles.tiles);
    }
    seen = true;
    shown = change.data_changed_at;
    onChange(change);
  });
  return stream;
}
