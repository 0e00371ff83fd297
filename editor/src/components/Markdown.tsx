import { Fragment, type ReactNode } from 'react';

/*
 * The few markdown forms node docs use — paragraphs, `- ` lists, `#` headings, **bold** and `code` —
 * rendered as React elements: no HTML from the docs reaches the page, and no markdown library is shipped.
 */

type Block = { kind: 'p'; text: string } | { kind: 'h'; text: string } | { kind: 'ul'; items: string[] };

export function parseBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  let paragraph: string[] = [];
  let list: string[] | null = null;
  const flush = () => {
    if (paragraph.length) blocks.push({ kind: 'p', text: paragraph.join(' ') });
    if (list) blocks.push({ kind: 'ul', items: list });
    paragraph = [];
    list = null;
  };
  for (const raw of markdown.split('\n')) {
    const line = raw.trim();
    if (line === '') {
      flush();
    } else if (/^#{1,6}\s/.test(line)) {
      flush();
      blocks.push({ kind: 'h', text: line.replace(/^#+\s*/, '') });
    } else if (/^[-*]\s/.test(line)) {
      if (paragraph.length) {
        blocks.push({ kind: 'p', text: paragraph.join(' ') });
        paragraph = [];
      }
      (list ??= []).push(line.slice(2));
    } else if (list && /^\s/.test(raw)) {
      // An indented line continues the list item above it.
      list[list.length - 1] += ` ${line}`;
    } else {
      if (list) flush();
      paragraph.push(line);
    }
  }
  flush();
  return blocks;
}

function inline(text: string): ReactNode[] {
  return text.split(/(\*\*[^*]+\*\*|`[^`]+`)/g).map((part, i) => {
    if (part.startsWith('**') && part.endsWith('**') && part.length > 4) return <strong key={i}>{part.slice(2, -2)}</strong>;
    if (part.startsWith('`') && part.endsWith('`') && part.length > 2) return <code key={i}>{part.slice(1, -1)}</code>;
    return <Fragment key={i}>{part}</Fragment>;
  });
}

export function Markdown({ source }: { source: string }) {
  return (
    <div className="sl-markdown">
      {parseBlocks(source).map((block, i) => {
        if (block.kind === 'h') return <h4 key={i}>{inline(block.text)}</h4>;
        if (block.kind === 'p') return <p key={i}>{inline(block.text)}</p>;
        return <ul key={i}>{block.items.map((item, j) => <li key={j}>{inline(item)}</li>)}</ul>;
      })}
    </div>
  );
}
