"""The assignment's Solver: minibatch training of a model with an update rule of
pyref.cs231n.optim, accuracy checks once per epoch, the best parameters kept.

A model has ``params`` (name -> array) and ``loss(X, y=None)`` (scores without
labels, ``(loss, grads)`` with them), as TwoLayerNet and FullyConnectedNet do.
Minibatches and accuracy subsamples are ``np.random.choice`` draws from numpy's
global stream, in the assignment's order.
"""

from __future__ import annotations

import io
import json
import os
from typing import Any

import numpy as np

from pyref.checks import check_array, check_flag, check_positive, check_positive_int
from pyref.cs231n import optim
from pyref.fileio import write_bytes

#: The data a Solver needs.
DATA_KEYS = ("X_train", "y_train", "X_val", "y_val")


def _optional_count(name: str, value: object) -> int | None:
    return None if value is None else check_positive_int(name, value)


class Solver:
    """Trains ``model`` on ``data`` with ``update_rule``.

    Attributes:
        model, update_rule (the rule's name), optim_config, lr_decay, batch_size,
        num_epochs, num_train_samples, num_val_samples, checkpoint_name,
        print_every, verbose: as given.
        epoch: epochs done.
        best_val_acc, best_params: the best validation accuracy and a copy of the
            parameters that reached it.
        loss_history: one loss per iteration.
        train_acc_history, val_acc_history: one accuracy per check.
        optim_configs: each parameter's own config (the rule's state).
    """

    def __init__(
        self,
        model: Any,
        data: dict[str, np.ndarray],
        *,
        update_rule: str = "sgd",
        optim_config: dict[str, Any] | None = None,
        lr_decay: float = 1.0,
        batch_size: int = 100,
        num_epochs: int = 10,
        num_train_samples: int | None = 1000,
        num_val_samples: int | None = None,
        checkpoint_name: str | None = None,
        print_every: int = 10,
        verbose: bool = True,
    ) -> None:
        """A Solver, ready to train.

        Args:
            model: has ``params`` and ``loss(X, y=None)``.
            data: 'X_train' (N_train, d_1, ..., d_k), 'y_train' (N_train,), 'X_val'
                (N_val, ...), 'y_val' (N_val,); other keys are ignored.
            update_rule: 'sgd', 'sgd_momentum', 'rmsprop' or 'adam'.
            optim_config: the rule's settings ('learning_rate', ...), copied for
                each parameter.
            lr_decay: the learning rate is multiplied by it after each epoch, > 0.
            batch_size: samples per minibatch.
            num_epochs: epochs to train.
            num_train_samples: training samples drawn for each accuracy check, or
                None for all.
            num_val_samples: the same for the validation set (None: all).
            checkpoint_name: if given, ``{checkpoint_name}_epoch_{epoch}.npz`` is
                written at each check.
            print_every: print the loss every this many iterations.
            verbose: print progress.
        """
        if not hasattr(model, "params") or not callable(getattr(model, "loss", None)):
            raise TypeError("model must have params and a loss(X, y=None) method")
        if not isinstance(data, dict):
            raise TypeError(f"data must be a dict, not {type(data).__name__}")
        for key in DATA_KEYS:
            if key not in data:
                raise ValueError(f"data has no {key!r}; it needs {', '.join(DATA_KEYS)}")
        for split in ("train", "val"):
            X = check_array(f"data['X_{split}']", data[f"X_{split}"], finite=False)
            y = check_array(f"data['y_{split}']", data[f"y_{split}"], ndim=1)
            if X.ndim < 2 or X.shape[0] == 0 or X.shape[0] != y.shape[0]:
                raise ValueError(
                    f"data['X_{split}'] (shape {X.shape}) must hold one sample per label of "
                    f"data['y_{split}'] ({y.shape[0]} labels)"
                )
        self.model = model
        self.X_train, self.y_train = data["X_train"], data["y_train"]
        self.X_val, self.y_val = data["X_val"], data["y_val"]
        if not isinstance(update_rule, str) or update_rule not in optim.UPDATE_RULES:
            raise ValueError(
                f"unknown update_rule {update_rule!r}; choose from {', '.join(optim.UPDATE_RULES)}"
            )
        self.update_rule = update_rule
        if optim_config is not None and not isinstance(optim_config, dict):
            raise TypeError(f"optim_config must be a dict, not {type(optim_config).__name__}")
        self.optim_config = {} if optim_config is None else optim_config
        known = (*optim.DEFAULTS[update_rule], *optim.STATE_KEYS[update_rule])
        for key in self.optim_config:
            if key not in known:
                raise ValueError(
                    f"optim_config has a key {key!r} that {update_rule} does not use; "
                    f"its keys: {', '.join(known)}"
                )
        self.lr_decay = check_positive("lr_decay", lr_decay)
        self.batch_size = check_positive_int("batch_size", batch_size)
        self.num_epochs = check_positive_int("num_epochs", num_epochs)
        self.num_train_samples = _optional_count("num_train_samples", num_train_samples)
        self.num_val_samples = _optional_count("num_val_samples", num_val_samples)
        if checkpoint_name is not None and (
            not isinstance(checkpoint_name, str) or not checkpoint_name
        ):
            raise ValueError(
                f"checkpoint_name must be a non-empty string or None, got {checkpoint_name!r}"
            )
        self.checkpoint_name = checkpoint_name
        self.print_every = check_positive_int("print_every", print_every)
        self.verbose = check_flag("verbose", verbose)
        self._rule = getattr(optim, update_rule)
        self._reset()

    def _reset(self) -> None:
        """Fresh book-keeping: epoch 0, empty histories, one config per parameter."""
        self.epoch = 0
        self.best_val_acc = 0
        self.best_params: dict[str, np.ndarray] = {}
        self.loss_history: list[float] = []
        self.train_acc_history: list[float] = []
        self.val_acc_history: list[float] = []
        self.optim_configs = {p: dict(self.optim_config) for p in self.model.params}

    def _step(self) -> None:
        """One update: a minibatch drawn with replacement, its loss, every parameter stepped."""
        num_train = self.X_train.shape[0]
        batch_mask = np.random.choice(num_train, self.batch_size)
        loss, grads = self.model.loss(self.X_train[batch_mask], self.y_train[batch_mask])
        self.loss_history.append(loss)
        for p, w in self.model.params.items():
            next_w, next_config = self._rule(w, grads[p], self.optim_configs[p])
            self.model.params[p] = next_w
            self.optim_configs[p] = next_config

    def _save_checkpoint(self) -> None:
        """The model's parameters and the histories as ``{checkpoint_name}_epoch_{epoch}.npz``,
        written atomically; the settings are the member ``settings``, JSON as bytes."""
        if self.checkpoint_name is None:
            return
        settings = {
            "update_rule": self.update_rule,
            "lr_decay": self.lr_decay,
            "optim_config": {k: v for k, v in self.optim_config.items() if np.isscalar(v)},
            "batch_size": self.batch_size,
            "num_train_samples": self.num_train_samples,
            "num_val_samples": self.num_val_samples,
            "epoch": self.epoch,
        }
        arrays = {f"params.{k}": np.asarray(v) for k, v in self.model.params.items()}
        arrays["loss_history"] = np.asarray(self.loss_history, dtype=np.float64)
        arrays["train_acc_history"] = np.asarray(self.train_acc_history, dtype=np.float64)
        arrays["val_acc_history"] = np.asarray(self.val_acc_history, dtype=np.float64)
        arrays["settings"] = np.frombuffer(json.dumps(settings).encode("utf-8"), dtype=np.uint8)
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        filename = f"{self.checkpoint_name}_epoch_{self.epoch}.npz"
        if self.verbose:
            print(f'Saving checkpoint to "{filename}"')
        write_bytes(os.fspath(filename), buf.getvalue())

    def check_accuracy(
        self, X: np.ndarray, y: np.ndarray, num_samples: int | None = None, batch_size: int = 100
    ) -> float:
        """The share of samples the model classifies right.

        Args:
            X: samples, shape (N, d_1, ..., d_k).
            y: labels, shape (N,).
            num_samples: if not None and < N, that many samples drawn with replacement.
            batch_size: samples per forward pass.

        Returns:
            the accuracy, in [0, 1].
        """
        X = check_array("X", X, finite=False)
        y = check_array("y", y, ndim=1)
        if X.ndim < 1 or X.shape[0] != y.shape[0]:
            raise ValueError(f"X has {X.shape[0] if X.ndim else 0} samples for {y.shape[0]} labels")
        num_samples = _optional_count("num_samples", num_samples)
        batch_size = check_positive_int("batch_size", batch_size)
        n = X.shape[0]
        if num_samples is not None and n > num_samples:
            mask = np.random.choice(n, num_samples)
            n = num_samples
            X, y = X[mask], y[mask]
        num_batches = -(-n // batch_size)
        y_pred = [
            np.argmax(self.model.loss(X[i * batch_size : (i + 1) * batch_size]), axis=1)
            for i in range(num_batches)
        ]
        return float(np.mean(np.hstack(y_pred) == y))

    def train(self) -> None:
        """Run the optimisation; afterwards ``model.params`` are the best parameters
        seen on the validation set.

        Notes:
            max(N_train // batch_size, 1) iterations per epoch; accuracies are checked
            after the first iteration, at each epoch's end and after the last one; the
            learning rate decays at each epoch's end, before that epoch's check.
        """
        num_train = self.X_train.shape[0]
        iterations_per_epoch = max(num_train // self.batch_size, 1)
        num_iterations = self.num_epochs * iterations_per_epoch
        for t in range(num_iterations):
            self._step()
            if self.verbose and t % self.print_every == 0:
                print(f"(Iteration {t + 1} / {num_iterations}) loss: {self.loss_history[-1]:f}")
            epoch_end = (t + 1) % iterations_per_epoch == 0
            if epoch_end:
                self.epoch += 1
                for config in self.optim_configs.values():
                    config["learning_rate"] *= self.lr_decay
            if t == 0 or t == num_iterations - 1 or epoch_end:
                train_acc = self.check_accuracy(
                    self.X_train, self.y_train, num_samples=self.num_train_samples
                )
                val_acc = self.check_accuracy(
                    self.X_val, self.y_val, num_samples=self.num_val_samples
                )
                self.train_acc_history.append(train_acc)
                self.val_acc_history.append(val_acc)
                self._save_checkpoint()
                if self.verbose:
                    print(
                        f"(Epoch {self.epoch} / {self.num_epochs}) train acc: {train_acc:f}; "
                        f"val_acc: {val_acc:f}"
                    )
                if val_acc > self.best_val_acc:
                    self.best_val_acc = val_acc
                    self.best_params = {k: v.copy() for k, v in self.model.params.items()}
        if self.best_params:
            self.model.params = self.best_params
