/**
 * A 5x7 bitmap font with just the characters the figure's labels use, so that labels need no
 * font files or native canvas.
 */

const GLYPHS: Record<string, string> = {
  '0': '01110100011001110101110011000101110',
  '1': '00100011000010000100001000010001110',
  '2': '01110100010000100010001000100011111',
  '3': '11111000100010000010000011000101110',
  '4': '00010001100101010010111110001000010',
  '5': '11111100001111000001000011000101110',
  '6': '00110010001000011110100011000101110',
  '7': '11111000010001000100010000100001000',
  '8': '01110100011000101110100011000101110',
  '9': '01110100011000101111000010001001100',
  '.': '00000000000000000000000000110001100',
  '%': '11000110010001000100010001001100011',
  ':': '00000011000110000000011000110000000',
  '-': '00000000000000011111000000000000000',
  '=': '00000000001111100000111110000000000',
  a: '00000000000111000001011111000101111',
  b: '10000100001011011001100011000111110',
  d: '00001000010110110011100011000101111',
  e: '00000000000111010001111111000001110',
  f: '00110010010100011100010000100001000',
  g: '00000011111000101111000011000101110',
  i: '00100000000110000100001000010001110',
  k: '10000100001001010100110001010010010',
  l: '01100001000010000100001000010001110',
  n: '00000000001011011001100011000110001',
  o: '00000000000111010001100011000101110',
  r: '00000000001011011001100001000010000',
  s: '00000000000111010000011100000111110',
  t: '01000010001110001000010000100100110',
  x: '00000000001000101010001000101010001',
  B: '11110100011000111110100011000111110',
  D: '11100100101000110001100011001011100',
  N: '10001100011100110101100111000110001',
  P: '11110100011000111110100001000010000',
  R: '11110100011000111110101001001010001',
  S: '01111100001000001110000010000111110',
};

/**
 * Width in pixels of `text` drawn at `scale` (6 columns per character, one of them spacing).
 *
 * @example
 * textWidth('rank 20', 2); // 84
 */
export function textWidth(text: string, scale: number): number {
  return text.length * 6 * scale;
}

/**
 * Draws `text` into an RGBA buffer (`width` pixels per row) with its top-left corner at (x, y),
 * in the colour `rgb`; pixels outside the buffer are skipped. Unknown characters draw as blanks.
 *
 * @example
 * drawText(rgba, 640, 100, 'PSNR 31.2 dB', 16, 16, 2, [0, 0, 0]);
 */
export function drawText(
  rgba: Uint8Array,
  width: number,
  height: number,
  text: string,
  x: number,
  y: number,
  scale: number,
  rgb: readonly [number, number, number],
): void {
  for (let n = 0; n < text.length; n++) {
    const glyph = GLYPHS[text[n]!];
    if (glyph === undefined) continue;
    for (let row = 0; row < 7; row++) {
      for (let col = 0; col < 5; col++) {
        if (glyph[row * 5 + col] !== '1') continue;
        for (let dy = 0; dy < scale; dy++) {
          for (let dx = 0; dx < scale; dx++) {
            const px = x + (n * 6 + col) * scale + dx;
            const py = y + row * scale + dy;
            if (px < 0 || py < 0 || px >= width || py >= height) continue;
            const i = (py * width + px) * 4;
            rgba[i] = rgb[0];
            rgba[i + 1] = rgb[1];
            rgba[i + 2] = rgb[2];
            rgba[i + 3] = 255;
          }
        }
      }
    }
  }
}
