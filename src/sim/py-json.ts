// JSON as Python reads it: HA core parses every WebSocket message with Python's json module, so a
// number written with a fraction or an exponent (`3.0`, `1e3`) is a float, and `int` schemas
// refuse it, while `true` passes them (a Python bool is an int). JSON.parse loses that
// difference, so small messages are read here and the float-ness of each value is remembered.
// Also Python's repr(), which HA's error messages quote (voluptuous `humanize_error`).

/** Containers → the keys (or indexes) whose value was written as a float. */
const floats = new WeakMap<object, Set<string | number>>();

/** Messages larger than this are read with JSON.parse (only small commands need int checks). */
const PY_PARSE_LIMIT = 64 * 1024;

export function parsePythonJson(text: string): unknown {
  if (text.length > PY_PARSE_LIMIT) return JSON.parse(text);
  let at = 0;
  const fail = (): never => {
    throw new SyntaxError(`Unexpected token in JSON at position ${at}`);
  };
  const ws = () => {
    while (at < text.length && " \t\n\r".includes(text[at]!)) at++;
  };
  /** The items up to `close` (the opening bracket is read), comma-separated; `item` reads one. */
  const items = (close: "}" | "]", item: () => void) => {
    ws();
    if (text[at] === close) return void at++;
    for (;;) {
      item();
      ws();
      const c = text[at++];
      if (c === close) return;
      if (c !== ",") fail();
    }
  };
  const value = (): { v: unknown; float: boolean } => {
    ws();
    const c = text[at];
    if (c === "{") {
      at++;
      const obj: Record<string, unknown> = {};
      const marks = new Set<string>();
      items("}", () => {
        ws();
        if (text[at] !== '"') fail();
        const key = string();
        ws();
        if (text[at++] !== ":") fail();
        const item = value();
        // An own property, as JSON.parse makes it (`obj.__proto__ = …` would set the prototype).
        Object.defineProperty(obj, key, { value: item.v, writable: true, enumerable: true, configurable: true });
        if (item.float) marks.add(key);
        else marks.delete(key);
      });
      if (marks.size) floats.set(obj, marks);
      return { v: obj, float: false };
    }
    if (c === "[") {
      at++;
      const arr: unknown[] = [];
      const marks = new Set<number>();
      items("]", () => {
        const item = value();
        if (item.float) marks.add(arr.length);
        arr.push(item.v);
      });
      if (marks.size) floats.set(arr, marks);
      return { v: arr, float: false };
    }
    if (c === '"') return { v: string(), float: false };
    for (const [word, v] of [
      ["true", true],
      ["false", false],
      ["null", null],
    ] as const) {
      if (text.startsWith(word, at)) return ((at += word.length), { v, float: false });
    }
    const m = /^-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(at, at + 400));
    if (!m) fail();
    at += m![0].length;
    return { v: Number(m![0]), float: m![1] !== undefined || m![2] !== undefined };
  };
  const string = (): string => {
    const start = at;
    at++;
    while (at < text.length && text[at] !== '"') {
      if (text[at] === "\\") at++;
      at++;
    }
    if (text[at] !== '"') fail();
    at++;
    return JSON.parse(text.slice(start, at)) as string;
  };
  const result = value().v;
  ws();
  if (at !== text.length) fail();
  return result;
}

function isPythonFloat(container: object, key: string | number): boolean {
  return floats.get(container)?.has(key) ?? false;
}

/** Python's `isinstance(value, int)` for a value read from JSON (a bool is an int, a float is not). */
export function isPythonInt(container: object, key: string | number): boolean {
  const v = (container as Record<string | number, unknown>)[key];
  return typeof v === "boolean" || (Number.isInteger(v) && !isPythonFloat(container, key));
}

function reprString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === "\\" || ch === quote) out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return out + quote;
}

function reprFloat(n: number): string {
  if (!Number.isFinite(n)) return Number.isNaN(n) ? "nan" : n > 0 ? "inf" : "-inf";
  const abs = Math.abs(n);
  if (abs !== 0 && (abs >= 1e16 || abs < 1e-4)) {
    // Python: '1e+16', '1.5e-05' (two-digit exponent at least).
    const [mant, exp] = n.toExponential().split("e") as [string, string];
    const sign = exp.startsWith("-") ? "-" : "+";
    return `${mant}e${sign}${exp.replace(/^[+-]/, "").padStart(2, "0")}`;
  }
  const s = String(n);
  return s.includes(".") ? s : `${s}.0`;
}

/** Python's repr() of a value read from JSON. */
export function pyRepr(value: unknown, float = false): string {
  if (value === null || value === undefined) return "None";
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "number") return float ? reprFloat(value) : Number.isInteger(value) ? String(value) : reprFloat(value);
  if (typeof value === "string") return reprString(value);
  if (Array.isArray(value)) return `[${value.map((v, i) => pyRepr(v, isPythonFloat(value, i))).join(", ")}]`;
  if (typeof value === "object") {
    const o = value as Record<string, unknown>;
    return `{${Object.keys(o)
      .map((k) => `${reprString(k)}: ${pyRepr(o[k], isPythonFloat(o, k))}`)
      .join(", ")}}`;
  }
  return String(value);
}

/** Python's `json.dumps(value)` with its defaults: ", " and ": " separators, non-ASCII escaped. */
export function pyJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  if (typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(pyJsonDumps).join(", ")}]`;
  return `{${Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => `${pyJsonDumps(k)}: ${pyJsonDumps(v)}`)
    .join(", ")}}`;
}
