// What a unit looks like on the map and in the lists: a disc in its status colour with a
// glyph for its kind (shared by the lazily loaded map and the console's unit list, so the
// list does not pull MapLibre in).
export const UNIT_STATUS_COLORS: Record<string, string> = {
  available: '#2e7d32',
  assigned: '#9a6b00',
  en_route: '#1f5fa8',
  on_scene: '#6a1b9a',
  out_of_service: '#5f6368',
};

// 24x24 glyphs drawn inside each unit's disc (canvas Path2D on the map, SVG in lists).
export const UNIT_GLYPHS: Record<string, string> = {
  patrol_car: 'M4 11 6.2 6h11.6L20 11v6h-2v2h-3v-2H9v2H6v-2H4zm3.3-1h9.4l-1.2-2.6H8.5z',
  motorbike: 'M5 13a3 3 0 1 0 0 6 3 3 0 0 0 0-6zm14 0a3 3 0 1 0 0 6 3 3 0 0 0 0-6zM8 15h6l3-5h-4l-1-2H9v2h2l1 2H8z',
  foot: 'M12 2.5a2.2 2.2 0 1 0 0 4.4 2.2 2.2 0 0 0 0-4.4zM9 8h6l1 7h-2l-.6 7h-2.8L10 15H8z',
  ambulance: 'M10 4h4v6h6v4h-6v6h-4v-6H4v-4h6z',
  engine: 'M12 2c1 4 6 6 6 12a6 6 0 0 1-12 0c0-3 2-5 3-7 0 2 1 3 2 3 0-3-1-5 1-8z',
  municipal_crew: 'M11 3h2l5 15h3v3H3v-3h3z',
};
