"""Stanford CS231n's assignment 2 (fully-connected nets) as a drop-in package.

Laid out as the assignment's ``cs231n/`` folder, so its notebooks run with
``from cs231n.X import ...`` changed to ``from pyref.cs231n.X import ...``:
``layers`` (forward/backward pairs with caches), ``layer_utils`` (sandwich layers),
``optim`` (update rules), ``classifiers.fc_net`` (TwoLayerNet, FullyConnectedNet),
``solver`` (Solver), ``gradient_check`` and ``data_utils``. Random draws come from
numpy's global stream in the assignment's order, so its seeded cells give its
numbers. The Julia twin is the module ``PyRef.CS231n``.
"""
