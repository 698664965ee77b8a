import { gzipSync } from 'node:zlib';

/** One ustar header block for a regular file of `size` bytes. */
function header(name: string, size: number): Buffer {
  const block = Buffer.alloc(512);
  block.write(name, 0, 100, 'utf8');
  block.write('0000644\0', 100);
  block.write('0000000\0', 108);
  block.write('0000000\0', 116);
  block.write(size.toString(8).padStart(11, '0') + '\0', 124);
  block.write('00000000000\0', 136);
  block.write('        ', 148);
  block.write('0', 156);
  block.write('ustar\0', 257);
  block.write('00', 263);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return block;
}

/**
 * A tar.gz of `files` files of `mbEach` MiB of zeros, built without deflating them all: gzip
 * members may be concatenated, so one deflated MiB of zeros is repeated. A 2 GiB archive
 * costs a few MB and milliseconds to make.
 */
export function zerosArchive(files: number, mbEach: number): Buffer {
  const mib = gzipSync(Buffer.alloc(1048576));
  const parts: Buffer[] = [];
  for (let i = 0; i < files; i++) {
    parts.push(gzipSync(header(`zeros-${i}.bin`, mbEach * 1048576)));
    for (let m = 0; m < mbEach; m++) parts.push(mib);
  }
  parts.push(gzipSync(Buffer.alloc(1024)));
  return Buffer.concat(parts);
}

/** A small honest tar.gz of text files. */
export function textArchive(files: Record<string, string>): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, text] of Object.entries(files)) {
    const data = Buffer.from(text);
    blocks.push(header(name, data.length));
    blocks.push(Buffer.concat([data, Buffer.alloc((512 - (data.length % 512)) % 512)]));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}
