// Serve an exported xtnn model with onnxruntime (npm install onnxruntime-node):
//   NODE_PATH=<node_modules> node serve.js model.onnx samples.json
// samples.json: {"inputs": [[x1, x2, ...], ...]}; prints one row of outputs per input.
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

async function main() {
  const [modelPath, samplesPath] = process.argv.slice(2);
  const rows = JSON.parse(fs.readFileSync(samplesPath, 'utf8')).inputs;
  const session = await ort.InferenceSession.create(modelPath);
  const input = new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, rows[0].length]);
  const output = (await session.run({ input })).output;  // xtnn names them "input" and "output"
  const width = output.dims[1];
  for (let r = 0; r < rows.length; ++r) {
    console.log(Array.from(output.data.slice(r * width, (r + 1) * width), (v) => v.toPrecision(8)).join(' '));
  }
}

main().catch((e) => { console.error(`serve.js: ${e.message || e}`); process.exit(1); });
