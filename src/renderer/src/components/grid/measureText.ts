// Text widths for auto-fitting a column, measured on a canvas with the grid's own font: laying the text out in
// the DOM would force a reflow per value.
let context: CanvasRenderingContext2D | null = null

export function textWidth(text: string, font: string): number {
  context ??= document.createElement('canvas').getContext('2d')
  if (!context) return text.length * 7
  context.font = font
  return context.measureText(text).width
}

/** No column grows wider than this by auto-fit: one essay cell must not push every other column off screen. */
export const MAX_FIT_WIDTH = 600
const MIN_FIT_WIDTH = 48
/** Cell padding and border, and in the header the sort arrow and the menu button beside the name. */
const CELL_CHROME = 18
const HEADER_CHROME = 52

/** The width that shows the header and every given cell text whole, within MIN_FIT_WIDTH..MAX_FIT_WIDTH. */
export function fitWidth(header: string, headerFont: string, texts: string[], cellFont: string, headerExtra = 0): number {
  let widest = textWidth(header, headerFont) + HEADER_CHROME + headerExtra
  // 200 characters are wider than the cap in any font the grid uses: measuring more is wasted work
  for (const text of texts) widest = Math.max(widest, textWidth(text.slice(0, 200), cellFont) + CELL_CHROME)
  return Math.round(Math.min(MAX_FIT_WIDTH, Math.max(MIN_FIT_WIDTH, widest)))
}
