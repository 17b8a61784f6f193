// `GET /favicon.ico`: browsers ask for it on every page they show (the admin pages, bull-board, a JSON answer
// opened in a tab); without it each page load logs a 404 in the browser's console. A 16×16 icon drawn here (a
// white "L" on the dashboard's brand blue), so that no file has to be shipped beside the compiled code.
import type { FastifyPluginAsync } from 'fastify';

const SIZE = 16;
const BRAND = [0x1f, 0x3a, 0x5f]; // --brand in src/http/admin/style.ts
const WHITE = [0xff, 0xff, 0xff];

/** Whether pixel (x, y), y counted from the top, belongs to the "L". */
function inLetter(x: number, y: number): boolean {
  return (x >= 4 && x <= 6 && y >= 3 && y <= 12) || (x >= 4 && x <= 11 && y >= 10 && y <= 12);
}

/** An ICO file holding one 16×16 32-bit BMP image (header, directory entry, BITMAPINFOHEADER, pixels, AND mask). */
export function faviconIco(): Buffer {
  const pixels = SIZE * SIZE * 4;
  const mask = SIZE * 4; // one bit per pixel, rows padded to 32 bits: 4 bytes per row, all 0 (opaque)
  const image = 40 + pixels + mask;
  const out = Buffer.alloc(6 + 16 + image);
  out.writeUInt16LE(0, 0); // reserved
  out.writeUInt16LE(1, 2); // type: icon
  out.writeUInt16LE(1, 4); // one image
  out.writeUInt8(SIZE, 6);
  out.writeUInt8(SIZE, 7);
  out.writeUInt16LE(1, 10); // colour planes
  out.writeUInt16LE(32, 12); // bits per pixel
  out.writeUInt32LE(image, 14);
  out.writeUInt32LE(22, 18); // offset of the image
  let at = 22;
  out.writeUInt32LE(40, at); // BITMAPINFOHEADER
  out.writeInt32LE(SIZE, at + 4);
  out.writeInt32LE(SIZE * 2, at + 8); // height counts the XOR image and the AND mask
  out.writeUInt16LE(1, at + 12);
  out.writeUInt16LE(32, at + 14);
  out.writeUInt32LE(pixels + mask, at + 20);
  at += 40;
  for (let row = SIZE - 1; row >= 0; row--) {
    // BMP rows run bottom-up, pixels as B, G, R, A
    for (let x = 0; x < SIZE; x++) {
      const [r, g, b] = (inLetter(x, row) ? WHITE : BRAND) as [number, number, number];
      out.writeUInt8(b, at);
      out.writeUInt8(g, at + 1);
      out.writeUInt8(r, at + 2);
      out.writeUInt8(0xff, at + 3);
      at += 4;
    }
  }
  return out;
}

const ICON = faviconIco();

/** `GET /favicon.ico` (public: it shows nothing but the icon). */
export const faviconRoute: FastifyPluginAsync = async (app) => {
  app.get('/favicon.ico', async (_req, reply) =>
    reply.header('content-type', 'image/x-icon').header('cache-control', 'public, max-age=86400').send(ICON),
  );
};
