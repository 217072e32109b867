# Trains the Python engine's test models into a model repository, with scikit-learn's own answers
# for the test inputs: python3 sklearn_models.py REPO EXPECTED_JSON. Writes REPO/<model>/1/model.joblib, a
# config.json per model, and EXPECTED_JSON {model: {"inputs": rows, outputs by name}}.
# Nothing here is computed by KubeServe: the expected values are scikit-learn's.
import json
import os
import sys
import textwrap

import joblib
import numpy as np
from sklearn.datasets import load_iris, make_regression
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

repo = sys.argv[1]
expected_file = sys.argv[2]
python = sys.executable
expected = {}


def save(name, model, inputs, config=None, extra_files=None):
    version = os.path.join(repo, name, "1")
    os.makedirs(version, exist_ok=True)
    for file_name, text in (extra_files or {}).items():
        with open(os.path.join(version, file_name), "w") as out:
            out.write(text)
    joblib.dump(model, os.path.join(version, "model.joblib"))
    settings = {"parameters": {"python": {"string_value": python}}, "instance_group": [{"count": 1}]}
    settings.update(config or {})
    with open(os.path.join(repo, name, "config.json"), "w") as out:
        json.dump(settings, out)
    answer = {"inputs": inputs.tolist()}
    if hasattr(model, "classes_"):
        answer["label"] = [value.item() if hasattr(value, "item") else value for value in model.predict(inputs)]
        answer["probabilities"] = model.predict_proba(inputs).tolist()
    else:
        answer["predict"] = np.asarray(model.predict(inputs)).tolist()
    expected[name] = answer


iris = load_iris()
x, y = iris.data, iris.target
rng = np.random.RandomState(7)
rows = np.vstack([x[::15], x[::15] + rng.normal(0, 0.3, size=x[::15].shape)])

save("iris_lr", LogisticRegression(max_iter=500).fit(x, y), rows)
save("iris_rf", RandomForestClassifier(n_estimators=25, random_state=0).fit(x, y), rows,
     {"instance_group": [{"count": 2}], "max_batch_size": 16,
      "dynamic_batching": {"max_queue_delay_microseconds": 2000}})

# a custom transformer (skl2onnx cannot convert it): the pickle refers to custom_features.signed_log,
# which the worker imports from the model's directory; a row starting with 12345 makes it stall (for
# the test that kills a worker mid-request)
custom = textwrap.dedent("""
    import time
    import numpy as np

    def signed_log(x):
        x = np.asarray(x, dtype=np.float64)
        if x.size and x[0, 0] == 12345.0:
            time.sleep(120)
        return np.sign(x) * np.log1p(np.abs(x))
""")
pipe_dir = os.path.join(repo, "pipe", "1")
os.makedirs(pipe_dir, exist_ok=True)
with open(os.path.join(pipe_dir, "custom_features.py"), "w") as out:
    out.write(custom)
sys.path.insert(0, pipe_dir)
import custom_features  # noqa: E402

pipe = Pipeline([("log", FunctionTransformer(custom_features.signed_log)), ("scale", StandardScaler()),
                 ("clf", LogisticRegression(max_iter=500))]).fit(x, y)
save("pipe", pipe, rows)
# the same model with a 2 s call timeout: the server stops the worker its stalled row hangs
save("pipe_hang", pipe, rows, {"parameters": {"python": {"string_value": python},
                                             "python_call_timeout_seconds": {"string_value": "2"}}},
     extra_files={"custom_features.py": custom})

xr, yr = make_regression(n_samples=120, n_features=5, n_targets=3, random_state=3)
save("multi", RandomForestRegressor(n_estimators=10, random_state=0).fit(xr, yr), xr[:9])

names = np.array(["setosa", "versicolor", "virginica"])
save("iris_str", LogisticRegression(max_iter=500).fit(x, names[y]), rows)

save("needs_req", LogisticRegression(max_iter=500).fit(x, y), rows[:2],
     extra_files={"requirements.txt": "numpy\nkubeserve-no-such-package==1.0\nscikit-learn==0.0.1\n"})

with open(expected_file, "w") as out:
    json.dump(expected, out)
