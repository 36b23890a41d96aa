// Escaping shared by both text formats: a label value escapes backslash, double quote and line feed; Prometheus
// text escapes backslash and line feed in HELP, OpenMetrics escapes the double quote there too.

const LABEL_SPECIAL = /[\\"\n]/;
// With the u flag a surrogate pair is one code point, so this matches only halves that have no partner.
const LONE_SURROGATE = /\p{Cs}/u;
const LABEL_SPECIAL_ALL = /[\\"\n]/g;
const HELP_SPECIAL_ALL = /[\\\n]/g;
const OM_HELP_SPECIAL_ALL = /[\\"\n]/g;

function escapeChar(ch: string): string {
  return ch === '\n' ? '\\n' : `\\${ch}`;
}

/**
 * Where `text` has a lone UTF-16 surrogate, or -1. Such text cannot be written as UTF-8: every lone surrogate goes
 * out as U+FFFD, so two different label values would arrive as one series. Label values, help texts and exemplar
 * values with one are refused where they come in.
 */
export function loneSurrogateAt(text: string): number {
  return LONE_SURROGATE.exec(text)?.index ?? -1;
}

/** The message part that names a lone surrogate found by {@link loneSurrogateAt}. */
export function describeLoneSurrogate(text: string, at: number): string {
  const unit = text.charCodeAt(at).toString(16).toUpperCase();
  return `has a lone UTF-16 surrogate (U+${unit}) at index ${at}, which UTF-8 cannot carry (it would arrive as U+FFFD, so two such values would be one series)`;
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

/**
 * A timestamp in seconds, as OpenMetrics asks: never in exponent form (`1e-7`), which its grammar allows but
 * which it says timestamps should not use, and which Python's parser fails on. Below a microsecond, JavaScript
 * writes an exponent; those are written with nanosecond decimals instead.
 */
export function formatTimestamp(seconds: number): string {
  const text = String(seconds);
  if (!text.includes('e')) return text;
  return seconds.toFixed(9).replace(/\.?0+$/, '');
}
