# The registry of the book's experiments (twin of pyref/experiments/registry.py): one
# Experiment record each, by its `pyref run` name. Python's record also holds the
# figures, the --quick settings and the parity runs, which only Python uses; Julia's
# holds what running one needs (PyRef.Scenarios.experiment reads it).

"""An experiment: its `pyref run` name, its function, and whether it draws random
numbers (takes `rng`)."""
struct Experiment
    name::String
    run::Function
    draws::Bool
end

function _registry(records::Experiment...)
    out = Dict{String,Experiment}()
    for r in records
        haskey(out, r.name) && throw(ArgumentError("experiment $(repr(r.name)) registered twice"))
        out[r.name] = r
    end
    return out
end

"""Every experiment by its command-line name."""
const EXPERIMENTS = _registry(
    Experiment("neuralnet-mnist", neuralnet_mnist, true),
    Experiment("gradient-descent", gradient_descent_path, false),
    Experiment("gradient-check", gradient_check, true),
    Experiment("train-two-layer-net", train_two_layer_net, true),
    Experiment("optimizer-compare-naive", optimizer_compare_naive, false),
    Experiment("optimizer-compare-mnist", optimizer_compare_mnist, true),
    Experiment("weight-init-activation-histogram", weight_init_activation_histogram, true),
    Experiment("weight-init-compare", weight_init_compare, true),
    Experiment("batch-norm-test", batch_norm_test, true),
    Experiment("batch-norm-gradient-check", batch_norm_gradient_check, true),
    Experiment("overfit-weight-decay", overfit_weight_decay, true),
    Experiment("overfit-dropout", overfit_dropout, true),
    Experiment("hyperparameter-optimization", hyperparameter_optimization, true),
    Experiment("gradient-vanishing", gradient_vanishing, true),
    Experiment("train-convnet", train_convnet, true),
    Experiment("convnet-gradient-check", convnet_gradient_check, true),
    Experiment("visualize-filter", visualize_filter, true),
    Experiment("apply-filter", apply_filter, true),
    Experiment("cs231n-update-rules", cs231n_update_rules, true),
    Experiment("cs231n-overfit", cs231n_overfit, true),
    Experiment("train-deepnet", train_deepnet, true),
    Experiment("half-float", half_float, true),
    Experiment("misclassified", misclassified, true),
)
