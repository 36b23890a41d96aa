import { describe, expect, it } from 'vitest';
import { negotiate } from './index.js';
import { acceptsGzip } from './negotiate.js';

const PROMETHEUS = { format: 'prometheus', contentType: 'text/plain; version=0.0.4; charset=utf-8' };
const OPENMETRICS_1 = {
  format: 'openmetrics',
  contentType: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
};
const OPENMETRICS_0 = {
  format: 'openmetrics',
  contentType: 'application/openmetrics-text; version=0.0.1; charset=utf-8',
};

describe('negotiate: what scrapers send', () => {
  it('Prometheus 2.42 gets OpenMetrics 1.0.0', () => {
    expect(
      negotiate(
        'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
      ),
    ).toEqual(OPENMETRICS_1);
  });

  it('Prometheus 2.30 to 2.41, which ask for OpenMetrics 0.0.1, get 0.0.1', () => {
    expect(
      negotiate('application/openmetrics-text; version=0.0.1,text/plain;version=0.0.4;q=0.5,*/*;q=0.1'),
    ).toEqual(OPENMETRICS_0);
  });

  it('Prometheus before 2.5 and other text-only scrapers get Prometheus text', () => {
    expect(negotiate('text/plain;version=0.0.4;q=0.3,*/*;q=0.1')).toEqual(PROMETHEUS);
    expect(
      negotiate(
        'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.7,text/plain;version=0.0.4;q=0.3,*/*;q=0.1',
      ),
    ).toEqual(PROMETHEUS);
  });

  it('Prometheus 3.x (default scrape protocols, UTF-8 names) gets OpenMetrics 1.0.0 with the escaping confirmed', () => {
    expect(
      negotiate(
        'application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2',
      ),
    ).toEqual({
      format: 'openmetrics',
      contentType: 'application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=allow-utf-8',
    });
  });

  it('Prometheus 3.x with protobuf first (native histograms) falls to OpenMetrics 1.0.0', () => {
    expect(
      negotiate(
        'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.6,application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1',
      ),
    ).toEqual({
      format: 'openmetrics',
      contentType: 'application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=allow-utf-8',
    });
  });

  it('Prometheus 3.x with legacy name validation asks for underscores, and gets it confirmed', () => {
    expect(
      negotiate(
        'application/openmetrics-text;version=1.0.0;escaping=underscores;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=underscores;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2',
      ).contentType,
    ).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=underscores');
  });

  it('Prometheus 3.x restricted to the text formats gets Prometheus text 0.0.4', () => {
    expect(
      negotiate(
        'text/plain;version=1.0.0;escaping=allow-utf-8;q=0.6,text/plain;version=0.0.4;q=0.5,*/*;q=0.4',
      ),
    ).toEqual(PROMETHEUS);
  });

  it('curl and fetch (*/*), browsers and a missing header get Prometheus text', () => {
    expect(negotiate('*/*')).toEqual(PROMETHEUS);
    expect(
      negotiate(
        'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7',
      ),
    ).toEqual(PROMETHEUS);
    expect(negotiate('text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8')).toEqual(PROMETHEUS);
    expect(negotiate(undefined)).toEqual(PROMETHEUS);
    expect(negotiate('')).toEqual(PROMETHEUS);
    expect(negotiate('   ')).toEqual(PROMETHEUS);
  });
});

describe('negotiate: the rules', () => {
  it('quality values decide, whatever the order', () => {
    expect(negotiate('text/plain;q=0.9,application/openmetrics-text;q=0.8')).toEqual(PROMETHEUS);
    expect(negotiate('text/plain;q=0.8,application/openmetrics-text;q=0.9')).toEqual(OPENMETRICS_1);
    expect(
      negotiate('text/plain;version=0.0.4;q=0.2,application/openmetrics-text;version=0.0.1;q=0.3'),
    ).toEqual(OPENMETRICS_0);
  });

  it('version parameters: 1.0.0 and 0.0.1 of OpenMetrics, 0.0.4 of Prometheus text; no version means the newest', () => {
    expect(negotiate('application/openmetrics-text')).toEqual(OPENMETRICS_1);
    expect(negotiate('application/openmetrics-text;version=1.0.0')).toEqual(OPENMETRICS_1);
    expect(negotiate('application/openmetrics-text;version="0.0.1"')).toEqual(OPENMETRICS_0);
    expect(negotiate('text/plain')).toEqual(PROMETHEUS);
    expect(negotiate('text/plain; version=0.0.4; charset=utf-8')).toEqual(PROMETHEUS);
  });

  it('a version we do not serve is not accepted, and the answer falls back to Prometheus text', () => {
    expect(negotiate('application/openmetrics-text;version=2.0.0')).toEqual(PROMETHEUS);
    expect(negotiate('application/openmetrics-text;version=2.0.0,text/plain;q=0.1')).toEqual(PROMETHEUS);
    expect(
      negotiate(
        'application/openmetrics-text;version=2.0.0,application/openmetrics-text;version=1.0.0;q=0.1',
      ),
    ).toEqual(OPENMETRICS_1);
  });

  it('the most specific range sets an offer’s quality (RFC 9110)', () => {
    // `*/*` would give OpenMetrics 1, but the exact range says 0: not acceptable.
    expect(negotiate('application/openmetrics-text;q=0,*/*')).toEqual(PROMETHEUS);
    // The versioned range outranks the unversioned one for 0.0.1; 1.0.0 keeps q=0.5 and wins.
    expect(
      negotiate('application/openmetrics-text;q=0.5,application/openmetrics-text;version=0.0.1;q=0.1'),
    ).toEqual(OPENMETRICS_1);
    expect(negotiate('application/*;q=0.9,text/*;q=0.8')).toEqual(OPENMETRICS_1);
    expect(negotiate('text/*,application/*;q=0.5')).toEqual(PROMETHEUS);
  });

  it('on equal quality, the more specific range wins, then the one listed first', () => {
    expect(negotiate('*/*,application/openmetrics-text')).toEqual(OPENMETRICS_1);
    expect(negotiate('application/openmetrics-text;q=0.5,text/plain;q=0.5')).toEqual(OPENMETRICS_1);
    expect(negotiate('text/plain;q=0.5,application/openmetrics-text;q=0.5')).toEqual(PROMETHEUS);
  });

  it('q=0 refuses a format; refusing everything still answers Prometheus text (the last resort)', () => {
    expect(negotiate('text/plain;q=0,*/*;q=0.1')).toEqual(OPENMETRICS_1);
    expect(negotiate('*/*;q=0')).toEqual(PROMETHEUS);
    expect(negotiate('application/json')).toEqual(PROMETHEUS);
  });

  it('is case-insensitive in types and parameter names and tolerates spaces', () => {
    expect(negotiate(' Application/OpenMetrics-Text ; Version=1.0.0 ; Q=0.9 , text/plain ; q=0.5')).toEqual(
      OPENMETRICS_1,
    );
  });

  it('skips malformed ranges instead of failing the scrape', () => {
    expect(negotiate('application/openmetrics-text;q=2,text/plain;q=0.1')).toEqual(PROMETHEUS);
    expect(negotiate('application/openmetrics-text;q=abc')).toEqual(PROMETHEUS);
    expect(negotiate('openmetrics,,;,/,*/plain,application/openmetrics-text;q=0.5')).toEqual(OPENMETRICS_1);
  });

  it('confirms only a known escaping scheme, and only for OpenMetrics 1.0.0', () => {
    expect(negotiate('application/openmetrics-text;version=1.0.0;escaping=dots').contentType).toBe(
      'application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=dots',
    );
    expect(negotiate('application/openmetrics-text;version=1.0.0;escaping=values').contentType).toBe(
      'application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=values',
    );
    // Never echo what a client made up into a header.
    expect(
      negotiate('application/openmetrics-text;version=1.0.0;escaping=x\r\nSet-Cookie: a').contentType,
    ).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(negotiate('application/openmetrics-text;version=1.0.0;escaping="bogus"')).toEqual(OPENMETRICS_1);
    expect(negotiate('application/openmetrics-text;version=0.0.1;escaping=allow-utf-8')).toEqual(
      OPENMETRICS_0,
    );
    expect(negotiate('text/plain;escaping=allow-utf-8')).toEqual(PROMETHEUS);
  });

  it('reads commas and semicolons inside quoted parameter values as part of the value', () => {
    expect(
      negotiate('application/openmetrics-text;foo="a,b;c";version=1.0.0;q=0.9,text/plain;q=0.5'),
    ).toEqual(OPENMETRICS_1);
  });
});

describe('acceptsGzip', () => {
  it.each([
    [undefined, false],
    ['', false],
    ['gzip', true],
    ['GZIP', true],
    ['x-gzip', true],
    ['deflate, gzip;q=0.5', true],
    ['gzip;q=0', false],
    ['gzip;q=0.000', false],
    ['*', true],
    ['*;q=0', false],
    ['gzip;q=0, *', false], // gzip named with q=0 outweighs the wildcard
    ['identity, *;q=0.1', true],
    ['gzip;q=2', false], // a malformed quality value is skipped
    ['br, deflate', false],
  ])('Accept-Encoding %j: %s', (header, expected) => {
    expect(acceptsGzip(header)).toBe(expected);
  });
});
