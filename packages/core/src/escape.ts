// Escaping shared by both text formats: a label value escapes backslash, double quote and line feed; Prometheus
// text escapes backslash and line feed in HELP, OpenMetrics escapes the double quote there too.

const LABEL_SPECIAL = /[\\"\n]/;
const LABEL_SPECIAL_ALL = /[\\"\n]/g;
const HELP_SPECIAL_ALL = /[\\\n]/g;
const OM_HELP_SPECIAL_ALL = /[\\"\n]/g;

function escapeChar(ch: string): string {
  return ch === '\n' ? '\\n' : `\\${ch}`;
}

export function escapeLabelValue(value: string): string {
  return LABEL_SPECIAL.test(value) ? value.replace(LABEL_SPECIAL_ALL, escapeChar) : value;
}

export function escapeHelp(help: string): string {
  return help.replace(HELP_SPECIAL_ALL, escapeChar);
}

export function escapeOpenMetricsHelp(help: string): string {
  return help.replace(OM_HELP_SPECIAL_ALL, escapeChar);
}

/** `a="1",b="2"`: the inside of a label set's braces, in the given order. */
export function renderLabelPairs(names: readonly string[], values: readonly string[]): string {
  let out = '';
  for (let i = 0; i < names.length; i++) {
    if (i > 0) out += ',';
    out += `${names[i]}="${escapeLabelValue(values[i]!)}"`;
  }
  return out;
}

/** A sample value the way Prometheus' parsers read it: `+Inf`, `-Inf`, `NaN`, or a decimal/exponent number. */
export function formatValue(value: number): string {
  if (Number.isFinite(value)) return String(value);
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return 'NaN';
}
