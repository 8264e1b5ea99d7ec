/**
 * Test helper: checks that `text` is well-formed XML (every tag closed in order, attributes
 * quoted, no raw `<` or stray `&` in text) and returns the element names in document order.
 * Enough for the SVG the report writes, which has no comments, CDATA or doctype.
 */
export function wellFormedElements(text: string): string[] {
  const names: string[] = [];
  const open: string[] = [];
  const token = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/y;
  let at = 0;
  while (at < text.length) {
    token.lastIndex = at;
    const match = token.exec(text);
    if (!match) throw new Error(`not well-formed at offset ${at}: ${JSON.stringify(text.slice(at, at + 40))}`);
    const [whole, closing, name, attributes, selfClosing, chars] = match;
    if (chars !== undefined) {
      const bad = /&(?!(?:amp|lt|gt|quot|#39);)/.exec(chars);
      if (bad) throw new Error(`unescaped '&' at offset ${at + bad.index}`);
    } else if (closing) {
      const expected = open.pop();
      if (expected !== name) throw new Error(`</${name}> closes <${expected ?? 'nothing'}> at offset ${at}`);
    } else {
      const attributeNames = [...(attributes ?? '').matchAll(/([\w:-]+)=/g)].map((m) => m[1]);
      if (new Set(attributeNames).size !== attributeNames.length) throw new Error(`<${name}> repeats an attribute`);
      if (/&(?!(?:amp|lt|gt|quot|#39);)/.test(attributes ?? '')) throw new Error(`<${name}> has an unescaped '&'`);
      names.push(name!);
      if (!selfClosing) open.push(name!);
    }
    at += whole.length;
  }
  if (open.length > 0) throw new Error(`unclosed <${open.join('>, <')}>`);
  return names;
}

/** How many times `<name ... class="className"` occurs. */
export function countMarks(svg: string, name: string, className: string): number {
  return [...svg.matchAll(new RegExp(`<${name}\\b[^>]*\\bclass="${className}"`, 'g'))].length;
}
