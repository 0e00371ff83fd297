import { createRequire } from 'node:module';
import { AXIS_COLOR } from '../../dashboard/look.js';

/** A4 in points, and the margins every page keeps (the footer sits in the bottom one). */
export const PAGE = { width: 595.28, height: 841.89, left: 50, right: 50, top: 48, bottom: 64 } as const;
export const CONTENT_WIDTH = PAGE.width - PAGE.left - PAGE.right;
export const INK = '#1d2330';
export const MUTED = AXIS_COLOR;
export const RULE = '#d5dae3';
const HEADER_FILL = '#eef1f6';
const ZEBRA_FILL = '#f7f8fa';

/**
 * DejaVu (Bitstream Vera licence, shipped by the dejavu-fonts-ttf package), embedded as subsets: it has every
 * character a monitoring report prints (° µ ³ é − and the thin spaces of grouped digits), and its condensed
 * cut keeps wide tables readable on A4.
 */
const require = createRequire(import.meta.url);
const FONTS = {
  regular: 'DejaVuSans.ttf', bold: 'DejaVuSans-Bold.ttf', cond: 'DejaVuSansCondensed.ttf', condBold: 'DejaVuSansCondensed-Bold.ttf',
} as const;
export type FontName = keyof typeof FONTS;

export interface Cell {
  text: string;
  color?: string;
  bold?: boolean;
}

export interface Column {
  header: string;
  /** Share of the table's width. */
  width: number;
  align?: 'left' | 'right' | 'center';
}

/** Longest text a table cell prints (a note of a page would make a row taller than the page). */
const MAX_CELL_CHARS = 700;

/**
 * Lays a report out on pdfkit pages: a cursor that moves down the page, blocks that start a new page when
 * they do not fit, and tables whose header repeats on every page they run over. Everything is placed at
 * explicit positions, so the document comes out the same for the same inputs.
 */
export class Writer {
  y: number = PAGE.top;

  constructor(readonly doc: PDFKit.PDFDocument) {
    for (const [name, file] of Object.entries(FONTS)) doc.registerFont(name, require.resolve(`dejavu-fonts-ttf/ttf/${file}`));
    doc.font('regular');
  }

  get bottom(): number {
    return PAGE.height - PAGE.bottom;
  }

  newPage(): void {
    this.doc.addPage();
    this.y = PAGE.top;
  }

  /** Starts a new page unless `height` points still fit below the cursor. */
  ensure(height: number): void {
    if (this.y + height > this.bottom) this.newPage();
  }

  font(name: FontName, size: number, color = INK): this {
    this.doc.font(name).fontSize(size).fillColor(color);
    return this;
  }

  textHeight(text: string, width: number, font: FontName, size: number): number {
    this.doc.font(font).fontSize(size);
    return this.doc.heightOfString(text, { width, lineGap: 1 });
  }

  /** A paragraph across the content width (or `width` from `x`), moving the cursor below it. */
  paragraph(text: string, o: { font?: FontName; size?: number; color?: string; gap?: number; x?: number; width?: number } = {}): void {
    const [font, size] = [o.font ?? 'regular', o.size ?? 9];
    const width = o.width ?? CONTENT_WIDTH;
    const h = this.textHeight(text, width, font, size);
    this.ensure(h);
    this.font(font, size, o.color).doc.text(text, o.x ?? PAGE.left, this.y, { width, lineGap: 1 });
    this.y += h + (o.gap ?? 4);
  }

  /** A section heading, kept on the page of what follows it (`keep` points of it). */
  heading(text: string, keep = 60): void {
    this.ensure(24 + keep);
    if (this.y > PAGE.top) this.y += 8;
    this.font('bold', 12.5).doc.text(text, PAGE.left, this.y, { width: CONTENT_WIDTH, lineBreak: false });
    this.y += 17;
    this.rule(this.y);
    this.y += 7;
  }

  subheading(text: string, keep = 40): void {
    this.ensure(16 + keep);
    this.font('bold', 10).doc.text(text, PAGE.left, this.y, { width: CONTENT_WIDTH, lineBreak: false });
    this.y += 15;
  }

  rule(y: number, color = RULE): void {
    this.doc.save().moveTo(PAGE.left, y).lineTo(PAGE.width - PAGE.right, y).lineWidth(0.6).strokeColor(color).stroke().restore();
  }

  /** Label–value pairs in two columns of label and value. */
  facts(pairs: [string, string][]): void {
    const labelWidth = 92;
    for (const [label, value] of pairs) {
      if (!value) continue;
      const h = Math.max(this.textHeight(value, CONTENT_WIDTH - labelWidth, 'regular', 9), 11);
      this.ensure(h);
      this.font('regular', 8.5, MUTED).doc.text(label, PAGE.left, this.y + 0.5, { width: labelWidth - 6, lineBreak: false });
      this.font('regular', 9).doc.text(value, PAGE.left + labelWidth, this.y, { width: CONTENT_WIDTH - labelWidth, lineGap: 1 });
      this.y += h + 3;
    }
  }

  /** A row of boxed key figures: a large value over a small label, the value in its level's colour. */
  tiles(items: { value: string; label: string; color?: string }[]): void {
    const gap = 8;
    const width = (CONTENT_WIDTH - gap * (items.length - 1)) / items.length;
    const height = 58;
    this.ensure(height + 6);
    items.forEach((item, i) => {
      const x = PAGE.left + i * (width + gap);
      this.doc.save().roundedRect(x, this.y, width, height, 3).lineWidth(0.6).strokeColor(RULE).stroke().restore();
      this.font('bold', 15, item.color ?? INK).doc.text(item.value, x + 8, this.y + 8, { width: width - 16, lineBreak: false, ellipsis: true });
      this.font('regular', 7.5, MUTED).doc.text(item.label, x + 8, this.y + 29, { width: width - 16, height: 27, lineGap: 0 });
    });
    this.y += height + 8;
  }

  /** A table across the content width whose header repeats on each page it runs over. */
  table(columns: Column[], rows: (Cell | string)[][], o: { size?: number; empty?: string } = {}): void {
    const size = o.size ?? 7.8;
    const pad = 3;
    const total = columns.reduce((n, c) => n + c.width, 0);
    const widths = columns.map((c) => (c.width / total) * CONTENT_WIDTH);
    const xs = widths.map((_, i) => PAGE.left + widths.slice(0, i).reduce((n, w) => n + w, 0));
    const cellsOf = (row: (Cell | string)[]) => row.map((c) => (typeof c === 'string' ? { text: c } : c)).map((c) => ({ ...c, text: clip(c.text) }));
    const heightOf = (cells: Cell[], bold: boolean) => Math.max(...cells.map((c, i) => this.textHeight(c.text || ' ', widths[i]! - 2 * pad, bold || c.bold ? 'condBold' : 'cond', size))) + 2 * pad;
    const header = columns.map((c) => ({ text: c.header }));
    const headerHeight = heightOf(header, true);
    const drawHeader = () => {
      this.doc.save().rect(PAGE.left, this.y, CONTENT_WIDTH, headerHeight).fill(HEADER_FILL).restore();
      this.drawCells(header, columns, xs, widths, headerHeight, size, pad, true);
      this.y += headerHeight;
    };
    const prepared = rows.map(cellsOf);
    const first = prepared[0] ? heightOf(prepared[0], false) : 14;
    this.ensure(headerHeight + first);
    drawHeader();
    if (prepared.length === 0) {
      this.font('cond', size, MUTED).doc.text(o.empty ?? 'None.', PAGE.left + pad, this.y + pad, { width: CONTENT_WIDTH - 2 * pad });
      this.y += 14;
    }
    prepared.forEach((cells, r) => {
      const h = heightOf(cells, false);
      if (this.y + h > this.bottom) {
        this.newPage();
        drawHeader();
      }
      if (r % 2 === 1) this.doc.save().rect(PAGE.left, this.y, CONTENT_WIDTH, h).fill(ZEBRA_FILL).restore();
      this.drawCells(cells, columns, xs, widths, h, size, pad, false);
      this.y += h;
    });
    this.rule(this.y);
    this.y += 8;
  }

  private drawCells(cells: Cell[], columns: Column[], xs: number[], widths: number[], _h: number, size: number, pad: number, bold: boolean): void {
    cells.forEach((c, i) => {
      this.font(bold || c.bold ? 'condBold' : 'cond', size, c.color ?? INK)
        .doc.text(c.text, xs[i]! + pad, this.y + pad, { width: widths[i]! - 2 * pad, align: columns[i]!.align ?? 'left', lineGap: 1 });
    });
  }

  /** Writes "page n of N" and the document's identity at the foot of every page (once all pages exist). */
  footers(left: string, identity: string): number {
    const range = this.doc.bufferedPageRange();
    for (let i = range.start; i < range.start + range.count; i++) {
      this.doc.switchToPage(i);
      // Below the bottom margin pdfkit would open a new page for the text: lift the margin while writing.
      const margin = this.doc.page.margins.bottom;
      this.doc.page.margins.bottom = 0;
      const y = PAGE.height - PAGE.bottom + 18;
      this.doc.save().moveTo(PAGE.left, y - 6).lineTo(PAGE.width - PAGE.right, y - 6).lineWidth(0.5).strokeColor(RULE).stroke().restore();
      this.font('regular', 7.5, MUTED).doc.text(left, PAGE.left, y, { width: CONTENT_WIDTH - 80, lineBreak: false, ellipsis: true });
      this.font('bold', 7.5, INK).doc.text(`page ${i - range.start + 1} of ${range.count}`, PAGE.width - PAGE.right - 80, y, { width: 80, align: 'right', lineBreak: false });
      this.font('regular', 6.8, MUTED).doc.text(identity, PAGE.left, y + 11, { width: CONTENT_WIDTH, lineBreak: false, ellipsis: true });
      this.doc.page.margins.bottom = margin;
    }
    return range.count;
  }
}

function clip(text: string): string {
  return text.length > MAX_CELL_CHARS ? `${text.slice(0, MAX_CELL_CHARS - 1)}…` : text;
}
