"""tools/safetensors_numpy.py: safetensors files read and written with numpy alone (Debian has no python3-safetensors).

The format (https://github.com/huggingface/safetensors): an 8-byte little-endian header length N,
N bytes of JSON ({"name": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, ...,
"__metadata__": {...}}), then the tensors' bytes, little-endian and row-major. save_file keeps the
order of the dict (the reference sorts by dtype, then name; readers must not rely on either) and
pads the header with spaces to a multiple of 8 bytes, as the reference does.

    tensors = load_file(path)            # dict name -> numpy array, in the file's order
    save_file(tensors, path, metadata)   # metadata: dict str -> str, or None
"""
import json
import struct

import numpy as np

DTYPES = {'F64': '<f8', 'F32': '<f4', 'F16': '<f2', 'I64': '<i8', 'I32': '<i4', 'I16': '<i2', 'I8': 'i1',
          'U8': 'u1', 'BOOL': '?'}
NAMES = {np.dtype(v).str: k for k, v in DTYPES.items()}  # '<f4' -> 'F32' ('|u1' for bytes)


def save_file(tensors, path, metadata=None):
    header, offset, blobs = {}, 0, []
    if metadata:
        header['__metadata__'] = {str(k): str(v) for k, v in metadata.items()}
    for name, array in tensors.items():
        shape = list(np.shape(array))  # before ascontiguousarray, which makes a scalar 1-d
        array = np.ascontiguousarray(array)
        if array.dtype.itemsize > 1:
            array = array.astype(array.dtype.newbyteorder('<'), copy=False)  # little-endian whatever the host
        blob = array.tobytes()
        header[name] = {'dtype': NAMES[array.dtype.str], 'shape': shape, 'data_offsets': [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    text = json.dumps(header, separators=(',', ':')).encode()
    text += b' ' * (-len(text) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def load_file(path):
    with open(path, 'rb') as f:
        data = f.read()
    (n,) = struct.unpack('<Q', data[:8])
    header = json.loads(data[8:8 + n])
    header.pop('__metadata__', None)
    body = data[8 + n:]
    out = {}
    for name, info in sorted(header.items(), key=lambda item: item[1]['data_offsets'][0]):
        begin, end = info['data_offsets']
        dtype = np.dtype(DTYPES[info['dtype']])
        out[name] = np.frombuffer(body[begin:end], dtype=dtype).reshape(info['shape']).astype(dtype.newbyteorder('='))
    return out
