// Runs an ONNX model with onnxruntime-node on one .npy input and writes its
// first output as .npy: node run_onnxruntime.js model.onnx input.npy output.npy
// (NODE_PATH must reach onnxruntime-node). float32 and float64, C order only.
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

const types = { '<f4': ['float32', Float32Array], '<f8': ['float64', Float64Array] };

function readNpy(path) {
  const bytes = fs.readFileSync(path);
  if (bytes.toString('latin1', 0, 6) !== '\x93NUMPY') throw new Error(`${path}: not a .npy file`);
  const start = bytes[6] === 1 ? 10 : 12;
  const length = bytes[6] === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const header = bytes.toString('latin1', start, start + length);
  const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
  if (!(descr in types) || /'fortran_order':\s*True/.test(header)) throw new Error(`${path}: unsupported ${header}`);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1].split(',').filter((d) => d.trim()).map(Number);
  const [type, ArrayType] = types[descr];
  const data = bytes.subarray(start + length);
  const values = new ArrayType(data.buffer.slice(data.byteOffset, data.byteOffset + data.length));
  return new ort.Tensor(type, values, shape);
}

function writeNpy(path, tensor) {
  const descr = Object.keys(types).find((k) => types[k][0] === tensor.type);
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${tensor.dims.join(', ')},), }`;
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';  // whole header: a multiple of 64
  const magic = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0, 0]);
  magic.writeUInt16LE(header.length, 8);
  const data = Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
  fs.writeFileSync(path, Buffer.concat([magic, Buffer.from(header, 'latin1'), data]));
}

async function main() {
  const [model, input, output] = process.argv.slice(2);
  const session = await ort.InferenceSession.create(model);
  const results = await session.run({ [session.inputNames[0]]: readNpy(input) });
  writeNpy(output, results[session.outputNames[0]]);
}

main().catch((e) => {
  console.error(`run_onnxruntime: ${e.message || e}`);
  process.exit(1);
});
