"""The small grid the tests run: titanic-v1, a scaler of the user's own module, two models."""

COMPONENTS = '''
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier


def make_scaler():
    return StandardScaler()


def make_tree(depth=3):
    return DecisionTreeClassifier(max_depth=depth)


class Broken(DecisionTreeClassifier):
    def fit(self, X, y):
        raise RuntimeError("this component always fails")
'''

SPEC = '''
name = "small"
protocol = "lite"

[challenges]
ids = ["titanic-v1"]

[budget]
wall_seconds = 60
cpu_seconds = 60
memory_mb = 1024
threads = 1

[axes.preprocessor]
scaler = { factory = "grid_parts:make_scaler" }

[axes.model]
logistic = { factory = "sklearn.linear_model:LogisticRegression", params = { max_iter = 300 } }
tree = { factory = "grid_parts:make_tree" }
'''
