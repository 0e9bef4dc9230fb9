// Placeholder registry until the view modules land: the lab runs with its summary table only.
export const VIEWS = [];
