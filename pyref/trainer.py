"""The book's Trainer: minibatch SGD-style training with per-epoch accuracies.

Each step draws ``choice(train_size, batch_size)`` (with replacement, as the
book does), takes the gradient, updates, and records the loss on that batch;
every ``iter_per_epoch`` steps (counting from step 0) it records the train and
test accuracy.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pyref.checks import check_array, check_positive_int
from pyref.optimizers import OPTIMIZERS, make_optimizer
from pyref.rng import resolve_rng


def iter_per_epoch(train_size: int, batch_size: int) -> float:
    """The book's iterations per epoch: a float, at least 1.

    Args:
        train_size: the number of training samples.
        batch_size: the samples per minibatch.

    Returns:
        ``max(train_size / batch_size, 1)`` (true division, as the book's).
    """
    return max(train_size / batch_size, 1)


class Trainer:
    """Train ``network`` on (x_train, t_train), evaluating on (x_test, t_test).

    The book's arguments and result lists (``train_loss_list``, ``train_acc_list``,
    ``test_acc_list``). ``optimizer`` is a name ('sgd', 'momentum', 'nesterov',
    'adagrad', 'rmsprop', 'adam'; any case) built with ``optimizer_param``, or an
    optimizer object. ``progress=True`` shows a tqdm bar instead of the book's
    per-step prints; ``rng`` isolates the minibatch draws from the global stream.
    """

    def __init__(
        self,
        network: Any,
        x_train: np.ndarray,
        t_train: np.ndarray,
        x_test: np.ndarray,
        t_test: np.ndarray,
        epochs: int = 20,
        mini_batch_size: int = 100,
        optimizer: str | Any = "SGD",
        optimizer_param: dict[str, float] | None = None,
        evaluate_sample_num_per_epoch: int | None = None,
        verbose: bool = True,
        *,
        progress: bool = False,
        rng: np.random.RandomState | None = None,
    ) -> None:
        """A trainer over the given data; nothing is drawn until the first step.

        Args:
            network: a net with ``params``, ``gradient``, ``loss`` and ``accuracy``.
            x_train, x_test: inputs, shape (N, D) or (N, C, H, W).
            t_train, t_test: labels, one per sample (ints or one-hot rows).
            epochs: passes over the training set, >= 1.
            mini_batch_size: samples per step, >= 1.
            optimizer: a name of ``OPTIMIZERS`` (any case) or an object with ``update``.
            optimizer_param: the named optimizer's arguments (default ``{"lr": 0.01}``).
            evaluate_sample_num_per_epoch: evaluate on the first n samples only, or None.
            verbose: print the book's per-step and per-epoch lines.
            progress: show a progress bar.
            rng: the random stream, or None for numpy's global one (the book's).
        """
        check_array("x_train", x_train, ndim=(2, 4))
        check_array("x_test", x_test, ndim=(2, 4))
        for name, x in (("x_train", x_train), ("x_test", x_test)):
            if x.shape[0] == 0:
                raise ValueError(
                    f"{name} has no samples (shape {x.shape}): nothing to train on or to evaluate"
                )
        if len(t_train) != len(x_train):
            raise ValueError(f"t_train has {len(t_train)} labels for {len(x_train)} samples")
        if len(t_test) != len(x_test):
            raise ValueError(f"t_test has {len(t_test)} labels for {len(x_test)} samples")
        self.network = network
        self.verbose = verbose
        self.progress = progress
        self.x_train, self.t_train = x_train, t_train
        self.x_test, self.t_test = x_test, t_test
        self.epochs = check_positive_int("epochs", epochs)
        self.batch_size = check_positive_int("mini_batch_size", mini_batch_size)
        if evaluate_sample_num_per_epoch is not None:
            check_positive_int("evaluate_sample_num_per_epoch", evaluate_sample_num_per_epoch)
        self.evaluate_sample_num_per_epoch = evaluate_sample_num_per_epoch
        self.rng = rng

        if isinstance(optimizer, str):
            param = {"lr": 0.01} if optimizer_param is None else dict(optimizer_param)
            self.optimizer = make_optimizer(optimizer, **param)
        elif hasattr(optimizer, "update"):
            self.optimizer = optimizer
        else:
            raise TypeError(
                f"optimizer must be a name ({', '.join(OPTIMIZERS)}) or an object with update()"
            )

        self.train_size = x_train.shape[0]
        self.iter_per_epoch = iter_per_epoch(self.train_size, self.batch_size)
        self.max_iter = int(self.epochs * self.iter_per_epoch)
        self.current_iter = 0
        self.current_epoch = 0
        self.train_loss_list: list[float] = []
        self.train_acc_list: list[float] = []
        self.test_acc_list: list[float] = []

    def train_step(self) -> float:
        """One minibatch step: draw the batch, update, record, evaluate at an epoch's start.

        Returns:
            The batch's loss after the update, a float.
        """
        batch_mask = resolve_rng(self.rng).choice(self.train_size, self.batch_size)
        x_batch = self.x_train[batch_mask]
        t_batch = self.t_train[batch_mask]
        grads = self.network.gradient(x_batch, t_batch)
        self.optimizer.update(self.network.params, grads)
        loss = self.network.loss(x_batch, t_batch)
        self.train_loss_list.append(loss)
        if self.verbose:
            print("train loss:" + str(loss))
        if self.current_iter % self.iter_per_epoch == 0:
            self.current_epoch += 1
            self._evaluate()
        self.current_iter += 1
        return loss

    def _evaluate(self) -> None:
        x_tr, t_tr, x_te, t_te = self.x_train, self.t_train, self.x_test, self.t_test
        n = self.evaluate_sample_num_per_epoch
        if n is not None:
            x_tr, t_tr, x_te, t_te = x_tr[:n], t_tr[:n], x_te[:n], t_te[:n]
        train_acc = self.network.accuracy(x_tr, t_tr)
        test_acc = self.network.accuracy(x_te, t_te)
        self.train_acc_list.append(train_acc)
        self.test_acc_list.append(test_acc)
        if self.verbose:
            print(f"=== epoch:{self.current_epoch}, train acc:{train_acc}, test acc:{test_acc} ===")

    def train(self) -> float:
        """Run all ``max_iter`` steps.

        Returns:
            The final test accuracy, a float in [0, 1].
        """
        steps = range(self.max_iter)
        if self.progress:
            from tqdm.auto import tqdm

            steps = tqdm(steps, desc="training", unit="step", leave=False)
        for _ in steps:
            self.train_step()
        test_acc = self.network.accuracy(self.x_test, self.t_test)
        if self.verbose:
            print("=============== Final Test Accuracy ===============")
            print("test acc:" + str(test_acc))
        return test_acc
