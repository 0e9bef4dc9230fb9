// Errors as the engine throws them: objects `{kind, setting, message}` (`setting` is a schema
// name, or null), from every export of src/wasm.rs and through the workers' messages. The page
// shows `message` and, when `setting` is given, marks that control; it never parses a message.

/** `{kind, setting, message}` of anything thrown: an engine error, a JS Error, or a string. */
export function problemOf(e) {
  if (e && typeof e === 'object') {
    return { kind: String(e.kind ?? 'page'), setting: e.setting ? String(e.setting) : null, message: String(e.message ?? e) };
  }
  return { kind: 'page', setting: null, message: String(e) };
}

/** An Error of the page's own about `setting`, shaped like the engine's. */
export function settingError(setting, message) {
  return Object.assign(new Error(message), { kind: 'setting', setting });
}

/** An Error carrying a problem that crossed a worker boundary. */
export function asError(problem) {
  return Object.assign(new Error(problem.message), { kind: problem.kind, setting: problem.setting });
}
