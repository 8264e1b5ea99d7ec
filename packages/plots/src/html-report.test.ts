import { lineChartSvg, renderReportHtml } from '@kd/plots';
import { describe, expect, it } from 'vitest';
import { wellFormedElements } from '../../../test/well-formed-xml';

const svg = lineChartSvg({ title: 'c', xLabel: 'x', yLabel: 'y', series: [{ name: 's', points: [[1, 1], [2, 2]] }] });

describe('renderReportHtml', () => {
  it('writes one self-contained page: inline style and SVG, no scripts, no outside links', () => {
    const html = renderReportHtml({
      title: 'run <1>',
      subtitle: 'finished',
      facts: [['temperature', '20']],
      metrics: { validation: { accuracy: 0.98765 }, test: { accuracy: 0.9812, errorCount: 188 } },
      figures: [{ heading: 'Curves', svg, caption: 'soft & hard' }],
    });
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<style>');
    expect(html).toContain(svg);
    expect(html).not.toMatch(/<script|<link|\bsrc=|@import|url\(/i);
    // The only URL is the SVG namespace, which is an identifier and never fetched.
    expect(html.match(/https?:\/\/[^"]+/g)).toEqual(['http://www.w3.org/2000/svg']);
    const body = html.slice(html.indexOf('<body>'), html.indexOf('</html>'));
    wellFormedElements(body);
  });

  it('escapes every text and shows metrics per split', () => {
    const html = renderReportHtml({
      title: 'run <1> & "co"',
      facts: [['a<b', 'c>d']],
      metrics: { validation: { accuracy: 0.98765 }, test: { accuracy: 0.9812, errorCount: 188 } },
      figures: [],
    });
    expect(html).toContain('<title>run &lt;1&gt; &amp; &quot;co&quot;</title>');
    expect(html).toContain('<th>a&lt;b</th><td>c&gt;d</td>');
    expect(html).toContain('<tr><th>accuracy</th><td class="number">0.9877</td><td class="number">0.9812</td></tr>');
    expect(html).toContain('<tr><th>errorCount</th><td class="number"></td><td class="number">188</td></tr>');
  });
});
