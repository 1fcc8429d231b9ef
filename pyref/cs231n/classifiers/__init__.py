"""The assignment's classifiers: ``fc_net`` (TwoLayerNet, FullyConnectedNet)."""
