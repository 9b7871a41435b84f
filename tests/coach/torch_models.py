"""A small scikit-learn compatible PyTorch classifier, as a learner would write one.

It keeps its network in ``module_`` and its per-epoch loss in ``loss_curve_``: the two
attributes the coach reads. ``bias_init`` lets a test plant the classic dead-ReLU mistake.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin


class TorchMLPClassifier(ClassifierMixin, BaseEstimator):
    def __init__(self, hidden=32, learning_rate=0.01, epochs=30, bias_init=0.0, seed=0):
        self.hidden = hidden
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.bias_init = bias_init
        self.seed = seed

    def _network(self, width: int):
        import torch

        torch.manual_seed(self.seed)
        network = torch.nn.Sequential(torch.nn.Linear(width, self.hidden), torch.nn.ReLU(),
                                      torch.nn.Linear(self.hidden, self.hidden), torch.nn.ReLU(),
                                      torch.nn.Linear(self.hidden, 1))
        for layer in network:
            if isinstance(layer, torch.nn.Linear) and layer.out_features == self.hidden:
                torch.nn.init.constant_(layer.bias, self.bias_init)
        return network

    def fit(self, X, y):
        import torch

        torch.set_num_threads(1)  # a net this small only loses time to thread hand-offs
        X = np.asarray(X, dtype=np.float32)
        self.classes_, codes = np.unique(np.asarray(y).astype(str), return_inverse=True)
        target = torch.as_tensor(codes, dtype=torch.float32).reshape(-1, 1)
        inputs = torch.as_tensor(X)
        self.module_ = self._network(X.shape[1])
        optimiser = torch.optim.Adam(self.module_.parameters(), lr=self.learning_rate)
        loss_function = torch.nn.BCEWithLogitsLoss()
        self.loss_curve_ = []
        for _ in range(self.epochs):
            for batch in torch.randperm(len(inputs)).split(256):
                optimiser.zero_grad()
                loss = loss_function(self.module_(inputs[batch]), target[batch])
                loss.backward()
                optimiser.step()
            with torch.no_grad():
                self.loss_curve_.append(float(loss_function(self.module_(inputs), target)))
        return self

    def predict_proba(self, X):
        import torch

        with torch.no_grad():
            logits = self.module_(torch.as_tensor(np.asarray(X, dtype=np.float32))).numpy().ravel()
        positive = 1.0 / (1.0 + np.exp(-logits))
        return np.c_[1 - positive, positive]

    def predict(self, X):
        return self.classes_[(self.predict_proba(X)[:, 1] >= 0.5).astype(int)]
