/**
 * A strict, small XML 1.0 parser for checking that generated SVG is well-formed: one root element, every tag closed
 * in order, attributes quoted and unique, only the five predefined entities and character references, no `<` or a
 * bare `&` in text. Throws with the offset on the first problem. No DTDs, no namespaces resolution (prefixes are kept
 * in names).
 */
export interface XmlElement {
  name: string
  attributes: Record<string, string>
  children: XmlElement[]
  /** Text directly inside this element, entities decoded. */
  text: string
}

const NAME = /[A-Za-z_:][-A-Za-z0-9._:]*/y
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }

function decode(raw: string, at: number): string {
  return raw.replace(/&([^;\s&<]*);?/g, (m, body: string) => {
    if (!m.endsWith(';')) throw new Error(`bare & at ${at}`)
    if (body in ENTITIES) return ENTITIES[body]!
    const num = /^#(?:x([0-9a-fA-F]+)|([0-9]+))$/.exec(body)
    if (!num) throw new Error(`unknown entity &${body}; at ${at}`)
    const cp = num[1] ? parseInt(num[1], 16) : parseInt(num[2]!, 10)
    if (!(cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff))) {
      throw new Error(`character reference to a code point XML forbids (${cp}) at ${at}`)
    }
    return String.fromCodePoint(cp)
  })
}

export function parseXml(xml: string): XmlElement {
  const bad = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.exec(xml)
  if (bad) throw new Error(`character XML forbids (U+${bad[0].charCodeAt(0).toString(16)}) at ${bad.index}`)
  let i = 0
  const stack: XmlElement[] = []
  let root: XmlElement | null = null
  const skipSpace = () => {
    while (i < xml.length && /\s/.test(xml[i]!)) i++
  }
  const readName = (): string => {
    NAME.lastIndex = i
    const m = NAME.exec(xml)
    if (!m) throw new Error(`expected a name at ${i}: ${JSON.stringify(xml.slice(i, i + 20))}`)
    i += m[0].length
    return m[0]
  }
  if (xml.startsWith('<?xml')) {
    const end = xml.indexOf('?>')
    if (end < 0) throw new Error('unterminated XML declaration')
    i = end + 2
  }
  while (i < xml.length) {
    const lt = xml.indexOf('<', i)
    const text = lt < 0 ? xml.slice(i) : xml.slice(i, lt)
    if (text.length) {
      if (text.includes('>') && text.includes(']]>')) throw new Error(`"]]>" in text at ${i}`)
      const decoded = decode(text, i)
      if (stack.length) stack[stack.length - 1]!.text += decoded
      else if (text.trim()) throw new Error(`text outside the root element at ${i}`)
    }
    if (lt < 0) break
    i = lt
    if (xml.startsWith('<!--', i)) {
      const end = xml.indexOf('-->', i + 4)
      if (end < 0) throw new Error(`unterminated comment at ${i}`)
      if (xml.slice(i + 4, end).includes('--')) throw new Error(`"--" inside a comment at ${i}`)
      i = end + 3
      continue
    }
    if (xml.startsWith('<![CDATA[', i)) {
      const end = xml.indexOf(']]>', i)
      if (end < 0 || !stack.length) throw new Error(`bad CDATA at ${i}`)
      stack[stack.length - 1]!.text += xml.slice(i + 9, end)
      i = end + 3
      continue
    }
    if (xml.startsWith('<!', i) || xml.startsWith('<?', i)) throw new Error(`unexpected markup at ${i}`)
    if (xml.startsWith('</', i)) {
      i += 2
      const name = readName()
      skipSpace()
      if (xml[i] !== '>') throw new Error(`expected > at ${i}`)
      i++
      const open = stack.pop()
      if (!open || open.name !== name) throw new Error(`</${name}> closes <${open?.name ?? 'nothing'}> at ${i}`)
      continue
    }
    i++
    const el: XmlElement = { name: readName(), attributes: {}, children: [], text: '' }
    for (;;) {
      const before = i
      skipSpace()
      if (xml.startsWith('/>', i)) {
        i += 2
        attach(el, true)
        break
      }
      if (xml[i] === '>') {
        i++
        attach(el, false)
        break
      }
      if (i === before) throw new Error(`expected whitespace before an attribute at ${i}`)
      const attr = readName()
      skipSpace()
      if (xml[i] !== '=') throw new Error(`expected = after ${attr} at ${i}`)
      i++
      skipSpace()
      const quote = xml[i]
      if (quote !== '"' && quote !== "'") throw new Error(`unquoted value of ${attr} at ${i}`)
      const end = xml.indexOf(quote, i + 1)
      if (end < 0) throw new Error(`unterminated value of ${attr} at ${i}`)
      const raw = xml.slice(i + 1, end)
      if (raw.includes('<')) throw new Error(`< in the value of ${attr} at ${i}`)
      if (attr in el.attributes) throw new Error(`duplicate attribute ${attr} at ${i}`)
      el.attributes[attr] = decode(raw, i)
      i = end + 1
    }
  }
  if (stack.length) throw new Error(`unclosed <${stack[stack.length - 1]!.name}>`)
  if (!root) throw new Error('no root element')
  return root

  function attach(el: XmlElement, selfClosing: boolean) {
    if (stack.length) stack[stack.length - 1]!.children.push(el)
    else if (root) throw new Error(`a second root element <${el.name}> at ${i}`)
    else root = el
    if (!selfClosing) stack.push(el)
  }
}

/** Every element in document order. */
export function allElements(root: XmlElement): XmlElement[] {
  const out: XmlElement[] = []
  const walk = (e: XmlElement) => {
    out.push(e)
    e.children.forEach(walk)
  }
  walk(root)
  return out
}

/** Elements matching a tag name and, optionally, a class (space-separated list) or an id. */
export function select(root: XmlElement, name: string, opts: { cls?: string; id?: string } = {}): XmlElement[] {
  return allElements(root).filter(
    (e) =>
      (name === '*' || e.name === name) &&
      (opts.id === undefined || e.attributes.id === opts.id) &&
      (opts.cls === undefined || (e.attributes.class ?? '').split(/\s+/).includes(opts.cls)),
  )
}

/** All text inside an element, its descendants included, with whitespace runs collapsed and the ends trimmed. */
export function textOf(e: XmlElement): string {
  const raw = (x: XmlElement): string => x.text + x.children.map(raw).join('')
  return raw(e).replace(/\s+/g, ' ').trim()
}
