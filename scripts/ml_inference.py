"""Train a scikit-learn model on the job's data and predict new rows: a custom_script example.

args:
  train     {"X": [[number, ...], ...], "y": [label or number, ...]}, or a list of records (objects)
            with args.target naming the column to predict (the other columns, or args.features, are
            the inputs)
  predict   the rows to predict: lists of numbers, or records when training on records
  model     one of MODELS below (default logistic_regression for classification, linear_regression
            for regression)
  params    keyword arguments for the estimator, e.g. {"n_estimators": 50}; random_state defaults to 0
  task      "classification" or "regression" (default: classification when y holds text, booleans,
            or whole numbers with at most 20 distinct values)
  scale     standardise the inputs before the model (default true)
result:
  model, task, features (names, or null), predictions, probabilities (per class, or null),
  classes (or null), train_score (accuracy or R²), cv_score (mean 5-fold score, null when the data
  is too small), feature_importances (for tree models, else null)
"""
import numpy as np
from sklearn import ensemble, linear_model, naive_bayes, neighbors, svm, tree
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

import uvw

# One thread for OpenMP (k-nearest neighbours, gradient boosting) and BLAS: the sandbox allows 512 MB
# of address space and 64 processes, and OpenMP would start a thread per core, each with its own
# stack and 64 MB malloc arena.
threadpool_limits(1)

# name -> (classifier, regressor); None where the model does not do that task.
MODELS = {
    "logistic_regression": (linear_model.LogisticRegression, None),
    "linear_regression": (None, linear_model.LinearRegression),
    "ridge": (linear_model.RidgeClassifier, linear_model.Ridge),
    "random_forest": (ensemble.RandomForestClassifier, ensemble.RandomForestRegressor),
    "gradient_boosting": (ensemble.GradientBoostingClassifier, ensemble.GradientBoostingRegressor),
    "decision_tree": (tree.DecisionTreeClassifier, tree.DecisionTreeRegressor),
    "knn": (neighbors.KNeighborsClassifier, neighbors.KNeighborsRegressor),
    "svm": (svm.SVC, svm.SVR),
    "naive_bayes": (naive_bayes.GaussianNB, None),
}


def matrix(rows, features, field):
    """rows (lists of numbers, or records with the feature columns) as a float matrix."""
    if not isinstance(rows, list) or not rows:
        uvw.fail(f"args.{field} must be a non-empty list of rows", 2)
    if features is not None:
        if not all(isinstance(r, dict) for r in rows):
            uvw.fail(f"args.{field} must be records (objects) like the training data", 2)
        missing = sorted({f for r in rows for f in features if f not in r})
        if missing:
            uvw.fail(f"args.{field}: rows lack the column(s) {', '.join(missing)}", 2)
        rows = [[r[f] for f in features] for r in rows]
    try:
        X = np.array(rows, dtype=float)
    except (TypeError, ValueError):
        uvw.fail(f"args.{field} must hold numbers only, in rows of equal length", 2)
    if X.ndim != 2:
        uvw.fail(f"args.{field} must be a list of rows of numbers", 2)
    return X


args = uvw.args if isinstance(uvw.args, dict) else uvw.fail("args must be a JSON object", 2)
train = args.get("train")
features = None
if isinstance(train, dict):
    X, y = matrix(train.get("X"), None, "train.X"), train.get("y")
elif isinstance(train, list) and train and all(isinstance(r, dict) for r in train):
    target = args.get("target")
    if not isinstance(target, str) or any(target not in r for r in train):
        uvw.fail("args.target must name a column present in every record of args.train", 2)
    features = args.get("features") or [c for c in train[0] if c != target]
    if not isinstance(features, list) or not all(isinstance(f, str) and f != target for f in features):
        uvw.fail("args.features must be a list of column names other than args.target", 2)
    X, y = matrix(train, features, "train"), [r[target] for r in train]
else:
    uvw.fail('args.train must be {"X": rows, "y": values} or a list of records with args.target', 2)
if not isinstance(y, list) or len(y) != len(X):
    uvw.fail(f"args.train: y must be a list with one value per row ({len(X)})", 2)
if "predict" not in args:
    uvw.fail("args.predict must give the rows to predict", 2)
X_new = matrix(args["predict"], features, "predict")
if X_new.shape[1] != X.shape[1]:
    uvw.fail(f"args.predict rows have {X_new.shape[1]} values; the training rows have {X.shape[1]}", 2)

task = args.get("task")
if task is None:
    whole = all(isinstance(v, int) and not isinstance(v, bool) for v in y)
    labels = all(isinstance(v, (str, bool)) for v in y)
    task = "classification" if labels or (whole and len(set(y)) <= 20) else "regression"
if task not in ("classification", "regression"):
    uvw.fail('args.task must be "classification" or "regression"', 2)
if task == "regression" and not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in y):
    uvw.fail("args.train: y must hold numbers for regression", 2)
y = np.array(y)

name = args.get("model") or ("logistic_regression" if task == "classification" else "linear_regression")
if name not in MODELS:
    uvw.fail(f"args.model must be one of {', '.join(MODELS)}", 2)
estimator = MODELS[name][0 if task == "classification" else 1]
if estimator is None:
    uvw.fail(f"args.model {name} does not do {task}", 2)
params = args.get("params") or {}
if not isinstance(params, dict):
    uvw.fail("args.params must be an object of the estimator's parameters", 2)
known = estimator().get_params()
unknown = sorted(set(params) - set(known))
if unknown:
    uvw.fail(f"args.params: {estimator.__name__} has no parameter {', '.join(unknown)}", 2)
if "random_state" in known:
    params = {"random_state": 0, **params}  # the same answer on every run
model = estimator(**params)
if args.get("scale", True):
    model = make_pipeline(StandardScaler(), model)
uvw.progress(0.1, f"{name} ({task}) on {len(X)} rows")

try:
    model.fit(X, y)
except ValueError as error:  # includes a parameter of the wrong type or out of range
    uvw.fail(f"{name}: {error}", 2)
uvw.progress(0.4, "fitted")
result = {"model": name, "task": task, "features": features, "predictions": model.predict(X_new),
          "probabilities": None, "classes": None, "train_score": model.score(X, y), "cv_score": None,
          "feature_importances": None}
if task == "classification":
    result["classes"] = model.classes_
    if hasattr(model, "predict_proba"):  # e.g. SVC only with probability=True
        result["probabilities"] = model.predict_proba(X_new)
fitted = model[-1] if hasattr(model, "steps") else model
if hasattr(fitted, "feature_importances_"):
    result["feature_importances"] = fitted.feature_importances_
uvw.progress(0.6, "predicted")

# Five folds need ten rows, and for a classifier (stratified folds) five of every class.
counts = np.unique(y, return_counts=True)[1]
if len(X) >= 10 and (task == "regression" or counts.min() >= 5):
    result["cv_score"] = cross_val_score(model, X, y, cv=5).mean()
uvw.result(result)
uvw.progress(1.0, "done")
