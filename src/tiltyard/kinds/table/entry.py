"""Runs inside the sandbox (staged beside the runner's harness): fit the learner's
``build_model()`` on train and predict the test. Imports nothing from tiltyard."""


def run(config: dict, api) -> tuple[dict, object]:
    import pandas as pd

    inputs = config["inputs"]
    train = pd.read_parquet(inputs["train"])
    target = pd.read_parquet(inputs["target"]).iloc[:, 0]
    test = pd.read_parquet(inputs["test"])

    module = api.import_submission()
    api.stage("build_model")
    build_model = getattr(module, "build_model", None)
    if not callable(build_model):
        return api.contract_error("build_model", "Your file does not define a function build_model(); "
                                  "define `def build_model():` that returns an unfitted scikit-learn "
                                  "estimator"), None
    model = build_model()
    method_name = "predict_proba" if config["needs_proba"] else "predict"
    missing = [name for name in ("fit", method_name) if not callable(getattr(model, name, None))]
    if missing:
        return api.contract_error("build_model", f"build_model() returned {type(model).__name__!s}, which "
                                  f"has no {' or '.join(missing)} method; return a scikit-learn compatible "
                                  "estimator such as a Pipeline ending in a classifier or regressor"), None
    api.stage("fit")
    model.fit(train, target)
    api.stage("predict")
    raw = getattr(model, method_name)(test)
    if raw is None:
        return {"status": "no_predictions", "stage": "predict",
                "detail": f"{method_name}() returned None"}, None
    classes = getattr(model, "classes_", None)
    header = {"status": "ok", "method": method_name,
              "classes": None if classes is None else [api.plain_scalar(c) for c in list(classes)]}
    return header, api.to_plain_array(raw)
