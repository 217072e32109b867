# KubeServe's Python worker: serves one scikit-learn style model (a joblib or pickle file) to the
# Java server over this process's stdin/stdout. Started by the server as `python3 worker.py MODEL_FILE`;
# not meant to be run by hand.
#
# Wire format (all integers little-endian):
#   worker -> server, once at start: b"M" u32 length + UTF-8 JSON (what the model is), or
#                                    b"E" u32 length + UTF-8 message (why it cannot be loaded)
#   server -> worker, per call:      b"P" u32 tensor count, then each tensor
#   worker -> server, per call:      b"\x00" u32 output count, then each: u16 name length + name + tensor
#                                    b"\x01" u32 length + message: the input was refused (a client error)
#                                    b"\x02" u32 length + message: the model failed
#   tensor: u8 datatype-name length + name (Open Inference Protocol: FP32, INT64, BYTES, ...),
#           u8 rank, rank x i64 dims, then the raw little-endian elements; for BYTES, each element as
#           u32 length + bytes.
# The worker exits when its stdin closes (the server stopped or died): no orphans.

import json
import os
import struct
import sys
import traceback
import warnings

# frames go to the real stdout; anything the model's code prints goes to stderr (the server's log)
_OUT = os.fdopen(os.dup(1), "wb", buffering=0)
os.dup2(2, 1)
sys.stdout = sys.stderr
_IN = os.fdopen(os.dup(0), "rb", buffering=0)

import numpy as np  # noqa: E402  (after the stdout swap: a print on import must not corrupt a frame)

_DTYPES = {
    "BOOL": np.dtype("?"), "UINT8": np.dtype("u1"), "UINT16": np.dtype("<u2"), "UINT32": np.dtype("<u4"),
    "UINT64": np.dtype("<u8"), "INT8": np.dtype("i1"), "INT16": np.dtype("<i2"), "INT32": np.dtype("<i4"),
    "INT64": np.dtype("<i8"), "FP16": np.dtype("<f2"), "FP32": np.dtype("<f4"), "FP64": np.dtype("<f8"),
}
_NAMES = {dtype.newbyteorder("<") if dtype.itemsize > 1 else dtype: name for name, dtype in _DTYPES.items()}

# estimators whose predict is the arg-max of their predict_proba: one call gives both outputs
_ARGMAX_PREDICT = ("sklearn.ensemble._forest.", "sklearn.tree.", "sklearn.linear_model._logistic.",
                   "sklearn.naive_bayes.", "sklearn.ensemble._gb.", "sklearn.ensemble._hist_gradient_boosting.")


def log(message):
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def read_exactly(count):
    view = memoryview(bytearray(count))
    got = 0
    while got < count:
        n = _IN.readinto(view[got:])
        if not n:
            raise EOFError
        got += n
    return view.obj


def write_frame(kind, payload):
    _OUT.write(kind + struct.pack("<I", len(payload)) + payload)


def read_tensor():
    (name_length,) = struct.unpack("<B", read_exactly(1))
    dtype = read_exactly(name_length).decode("ascii")
    (rank,) = struct.unpack("<B", read_exactly(1))
    shape = struct.unpack("<%dq" % rank, read_exactly(8 * rank)) if rank else ()
    count = 1
    for dim in shape:
        count *= dim
    if dtype == "BYTES":
        values = []
        for _ in range(count):
            (length,) = struct.unpack("<I", read_exactly(4))
            values.append(bytes(read_exactly(length)).decode("utf-8", errors="replace"))
        return np.array(values, dtype=object).reshape(shape)
    np_dtype = _DTYPES[dtype]
    return np.frombuffer(read_exactly(count * np_dtype.itemsize), dtype=np_dtype).reshape(shape)


def encode_tensor(array):
    array = np.asarray(array)
    if array.dtype.kind in "OUS":
        name = "BYTES"
        parts = []
        for value in array.reshape(-1):
            data = value if isinstance(value, bytes) else str(value).encode("utf-8")
            parts.append(struct.pack("<I", len(data)))
            parts.append(data)
        body = b"".join(parts)
    else:
        if array.dtype.kind == "f" and array.dtype.itemsize not in (2, 4, 8):
            array = array.astype(np.float64)
        dtype = array.dtype.newbyteorder("<") if array.dtype.itemsize > 1 else array.dtype
        name = _NAMES.get(dtype)
        if name is None:
            array = array.astype(np.float64)
            dtype, name = np.dtype("<f8"), "FP64"
        body = np.ascontiguousarray(array, dtype=dtype).tobytes()
    header = struct.pack("<B", len(name)) + name.encode("ascii") + struct.pack("<B", array.ndim)
    header += struct.pack("<%dq" % array.ndim, *array.shape)
    return header + body


def final_estimator(model):
    steps = getattr(model, "steps", None)
    if steps:
        return final_estimator(steps[-1][1])
    return model


def full_name(obj):
    return type(obj).__module__ + "." + type(obj).__qualname__


def check_requirements(path):
    """Missing or mismatched distributions of a requirements.txt, one line each."""
    from importlib import metadata
    try:
        from packaging.requirements import Requirement
    except ImportError:
        Requirement = None
    problems = []
    with open(path, encoding="utf-8") as lines:
        for raw in lines:
            line = raw.split("#", 1)[0].strip()
            if not line or line.startswith("-"):
                continue
            if Requirement is not None:
                try:
                    requirement = Requirement(line)
                except Exception:
                    problems.append("%s (cannot read this line)" % line)
                    continue
                if requirement.marker is not None and not requirement.marker.evaluate():
                    continue
                name, specifier = requirement.name, requirement.specifier
            else:
                name, specifier = line, None
                for operator in ("==", ">=", "<=", "~=", "!=", ">", "<"):
                    if operator in line:
                        name = line.split(operator, 1)[0].strip()
                        specifier = line[len(name):].strip()
                        break
            try:
                installed = metadata.version(name)
            except metadata.PackageNotFoundError:
                problems.append("%s (not installed)" % line)
                continue
            if specifier is None or not str(specifier):
                continue
            if Requirement is not None:
                if not specifier.contains(installed, prereleases=True):
                    problems.append("%s (installed: %s)" % (line, installed))
            elif specifier.startswith("==") and installed != specifier[2:].strip():
                problems.append("%s (installed: %s)" % (line, installed))
    return problems


class Model:
    def __init__(self, path):
        import joblib
        try:
            self.model = joblib.load(path)
        except ImportError as error:
            # a module the pickle names is missing: say which (a custom transformer's module belongs next to the model)
            raise ImportError("unpickling needs a module that cannot be imported: %s" % first_line(error)) from error
        except Exception as error:
            raise ValueError("the file cannot be read as a joblib or pickle file (%s: %s)"
                             % (type(error).__name__, first_line(error))) from error
        if not hasattr(self.model, "predict"):
            raise TypeError("the file holds a %s, which has no predict method" % full_name(self.model))
        last = final_estimator(self.model)
        self.classes = getattr(self.model, "classes_", None)
        self.has_proba = self.classes is not None and hasattr(self.model, "predict_proba")
        self.has_decision = self.classes is not None and not self.has_proba and hasattr(self.model, "decision_function")
        self.argmax_predict = self.has_proba and full_name(last).startswith(_ARGMAX_PREDICT)
        self.n_features = getattr(self.model, "n_features_in_", None)
        names = getattr(self.model, "feature_names_in_", None)
        self.feature_names = [str(name) for name in names] if names is not None else None
        self.pandas = None
        if self.feature_names is not None:
            try:
                import pandas
                self.pandas = pandas
            except ImportError:
                log("model was fitted on a DataFrame with feature names %s, but pandas is not installed: "
                    "it gets numpy arrays in that column order instead" % self.feature_names)
                warnings.filterwarnings("ignore", message="X does not have valid feature names")
        self.estimator = full_name(last)

    def frame(self, x):
        if self.pandas is not None and x.ndim == 2 and x.shape[1] == len(self.feature_names):
            return self.pandas.DataFrame(x, columns=self.feature_names)
        return x

    def run(self, inputs):
        if len(inputs) != 1:
            raise ValueError("the model takes one 2-D input, got %d" % len(inputs))
        x = self.frame(inputs[0])
        outputs = []
        if self.classes is not None:
            if self.has_proba:
                probabilities = np.asarray(self.model.predict_proba(x))
                if self.argmax_predict:
                    label = np.asarray(self.classes)[np.argmax(probabilities, axis=1)]
                else:
                    label = self.model.predict(x)
                outputs.append(("label", self.label(label)))
                outputs.append(("probabilities", probabilities.astype(np.float32)))
            else:
                outputs.append(("label", self.label(self.model.predict(x))))
                if self.has_decision:
                    outputs.append(("decision_function", np.asarray(self.model.decision_function(x))))
        else:
            outputs.append(("predict", np.asarray(self.model.predict(x))))
        return outputs

    @staticmethod
    def label(values):
        values = np.asarray(values)
        if values.dtype.kind == "b":
            return values.astype(np.int64)
        if values.dtype.kind in "iu":
            return values.astype(np.int64)
        if values.dtype.kind == "O" and all(isinstance(value, (int, np.integer)) for value in values.reshape(-1)):
            return values.astype(np.int64)
        return values

    def describe(self):
        classes = None
        if self.classes is not None:
            classes = [value.item() if hasattr(value, "item") else value for value in np.asarray(self.classes)]
            classes = [value if isinstance(value, (int, float, str)) else str(value) for value in classes]
        description = {
            "estimator": self.estimator,
            "kind": "classifier" if self.classes is not None else "regressor",
            "classes": classes,
            "n_features_in": int(self.n_features) if self.n_features is not None else None,
            "feature_names_in": self.feature_names,
            "pandas": self.pandas is not None,
            "has_proba": bool(self.has_proba),
            "python": sys.version.split()[0],
            "outputs": None,
        }
        if self.n_features is not None:
            # a first call: warms this worker up, and tells the server each output's datatype and shape
            try:
                probe = self.run([np.zeros((1, int(self.n_features)), dtype=np.float64)])
                description["outputs"] = [{"name": name, "datatype": datatype_name(value),
                                           "shape": [-1] + [int(dim) for dim in np.asarray(value).shape[1:]]}
                                          for name, value in probe]
            except Exception as error:  # a model that refuses zeros (string features): outputs by kind only
                log("warm-up on zeros failed (%s: %s); output shapes come from the model's kind"
                    % (type(error).__name__, first_line(error)))
        return description


def datatype_name(array):
    array = np.asarray(array)
    if array.dtype.kind in "OUS":
        return "BYTES"
    dtype = array.dtype.newbyteorder("<") if array.dtype.itemsize > 1 else array.dtype
    return _NAMES.get(dtype, "FP64")


def first_line(error):
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def main():
    model_file = sys.argv[1]
    model_dir = os.path.dirname(os.path.abspath(model_file))
    # a custom transformer's module may sit next to the model file; the pickle imports it by name
    sys.path.insert(0, model_dir)
    try:
        requirements = os.path.join(model_dir, "requirements.txt")
        if os.path.isfile(requirements):
            problems = check_requirements(requirements)
            if problems:
                write_frame(b"E", ("requirements.txt is not met: " + "; ".join(problems)).encode("utf-8"))
                return 3
        model = Model(model_file)
        write_frame(b"M", json.dumps(model.describe()).encode("utf-8"))
    except Exception as error:
        traceback.print_exc()
        write_frame(b"E", ("%s: %s" % (type(error).__name__, first_line(error))).encode("utf-8"))
        return 3
    while True:
        try:
            op = _IN.read(1)
        except OSError:
            return 0
        if not op:
            return 0  # stdin closed: the server is gone
        if op != b"P":
            log("unknown request %r; stopping" % op)
            return 2
        (count,) = struct.unpack("<I", read_exactly(4))
        inputs = [read_tensor() for _ in range(count)]
        try:
            outputs = model.run(inputs)
            parts = [b"\x00", struct.pack("<I", len(outputs))]
            for name, value in outputs:
                encoded_name = name.encode("utf-8")
                parts.append(struct.pack("<H", len(encoded_name)) + encoded_name)
                parts.append(encode_tensor(value))
            _OUT.write(b"".join(parts))
        except (ValueError, TypeError) as error:
            write_frame(b"\x01", first_line(error).encode("utf-8"))
        except Exception as error:
            traceback.print_exc()
            write_frame(b"\x02", ("%s: %s" % (type(error).__name__, first_line(error))).encode("utf-8"))


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (EOFError, BrokenPipeError, KeyboardInterrupt):
        sys.exit(0)
