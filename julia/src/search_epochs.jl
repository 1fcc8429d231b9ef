# One trial of a search space trained epoch by epoch (twin of pyref/search_epochs.py).
#
# `pyref search --engine julia` trains a trial here through the bridge in steps: start
# builds the net and Trainer and keeps them under a handle, each `search_epochs_next`
# call trains until the next accuracy measurement (the first step of an epoch, as the
# book's Trainer measures) or the end, and Python asks its pruner between calls, so a
# pruned trial really stops. `search_epochs_finish` returns the curves and the stream's
# state and forgets the trial.

# The largest trial net: hidden layers, and weights and biases in all (pyref.search_epochs').
const MAX_HIDDEN_LAYERS = 100
const MAX_NET_WEIGHTS = 100_000_000

"""
    check_trial_net(input_size, hidden, output_size=NUM_CLASSES) -> Int

The number of weights and biases of the net `input_size`-`hidden`-`output_size`
(`hidden`: the hidden layers' sizes); ArgumentError naming `hidden` when it has more
than `MAX_HIDDEN_LAYERS` layers or more than `MAX_NET_WEIGHTS` weights.
"""
function check_trial_net(input_size::Integer, hidden, output_size::Integer=NUM_CLASSES)
    input_size = check_positive_int("input_size", input_size)
    output_size = check_positive_int("output_size", output_size)
    sizes = Int[check_positive_int("hidden layer size", h) for h in hidden]
    isempty(sizes) && throw(ArgumentError("hidden must name at least one layer size"))
    length(sizes) <= MAX_HIDDEN_LAYERS ||
        throw(ArgumentError("hidden: $(length(sizes)) hidden layers are more than MAX_HIDDEN_LAYERS = $MAX_HIDDEN_LAYERS"))
    dims = Int128[input_size; sizes; output_size]
    weights = sum(dims[i] * dims[i + 1] + dims[i + 1] for i in 1:(length(dims) - 1))
    if weights > MAX_NET_WEIGHTS
        shown = length(unique(sizes)) == 1 ? "$(sizes[1])x$(length(sizes))" : join(sizes, ",")
        throw(ArgumentError("hidden: the net $input_size-$shown-$output_size has $(_thousands(weights)) weights, " *
                            "more than MAX_NET_WEIGHTS = $(_thousands(MAX_NET_WEIGHTS))"))
    end
    return Int(weights)
end

# 1234567 as "1,234,567" (Python's format spec ",").
function _thousands(n::Integer)
    s, parts = string(n), String[]
    i = lastindex(s)
    while i > 3
        pushfirst!(parts, s[(i - 2):i])
        i -= 3
    end
    pushfirst!(parts, s[1:i])
    return join(parts, ",")
end

mutable struct _EpochTrial
    trainer::Trainer
    rng::NumpyRandom.RandomState
    stop_on_divergence::Bool
    nonfinite::Bool
end

const _EPOCH_TRIALS = Dict{Int,_EpochTrial}()
const _EPOCH_NEXT_HANDLE = Ref(0)

function _epoch_trial(handle::Integer)
    haskey(_EPOCH_TRIALS, handle) || throw(ArgumentError("no search trial with handle $handle (finished, or started in another Julia worker)"))
    return _EPOCH_TRIALS[handle]
end

"""
    search_epochs_start(x_train, t_train, x_val, t_val; epochs, hidden, batch_size, optimizer, lr,
                        weight_decay, dropout_ratio, use_batchnorm, stop_on_divergence,
                        rng_state) -> Int

Build a trial's MultiLayerNetExtend (Dropout when `dropout_ratio` > 0, BatchNorm with
`use_batchnorm`) and Trainer from the given settings, drawing its weights and then its
minibatches from the stream in state `rng_state` (`NumpyRandom.rng_state`'s dict: the
trial's stream after its hyperparameters were drawn), as pyref.search_epochs.make_trainer does.
Returns the handle of the trial for `search_epochs_next` and `search_epochs_finish`.
"""
function search_epochs_start(x_train::AbstractMatrix, t_train::AbstractArray, x_val::AbstractMatrix,
                             t_val::AbstractArray; epochs::Integer, hidden, batch_size::Integer,
                             optimizer::AbstractString, lr::Real, weight_decay::Real, dropout_ratio::Real,
                             use_batchnorm::Integer, stop_on_divergence::Integer,
                             rng_state::AbstractDict)
    epochs = check_positive_int("epochs", epochs)
    batch_size = check_positive_int("batch_size", batch_size)
    isfinite(lr) && lr > 0 || throw(ArgumentError("lr must be a finite number > 0, got $lr"))
    isfinite(weight_decay) && weight_decay >= 0 || throw(ArgumentError("weight_decay must be a finite number >= 0, got $weight_decay"))
    0 <= dropout_ratio < 1 || throw(ArgumentError("dropout_ratio must be in [0, 1), got $dropout_ratio"))
    check_trial_net(size(x_train, 2), hidden)
    rng = NumpyRandom.set_rng_state!(NumpyRandom.RandomState(0), rng_state)
    use_dropout = dropout_ratio > 0
    net = MultiLayerNetExtend(size(x_train, 2), collect(Int, hidden), NUM_CLASSES; weight_decay_lambda=weight_decay,
                              use_dropout=use_dropout, dropout_ratio=use_dropout ? dropout_ratio : 0.5,
                              use_batchnorm=Bool(use_batchnorm), rng=rng)
    tr = Trainer(net, x_train, t_train, x_val, t_val; epochs=epochs, mini_batch_size=batch_size,
                 optimizer=optimizer, optimizer_param=Dict("lr" => Float64(lr)), verbose=false, rng=rng)
    _EPOCH_NEXT_HANDLE[] += 1
    _EPOCH_TRIALS[_EPOCH_NEXT_HANDLE[]] = _EpochTrial(tr, rng, Bool(stop_on_divergence), false)
    return _EPOCH_NEXT_HANDLE[]
end

"""
    search_epochs_next(handle) -> Dict{String,Any}

Train trial `handle` until its next accuracy measurement, its end, or (when it stops
on divergence) a NaN or inf loss. Returns "measured" (measurements so far), "val_acc"
and "train_acc" (the last ones, NaN before the first), "nonfinite" (0/1: the loss
became NaN or inf) and "done" (0/1: no step is left, or it stopped on divergence).
"""
function search_epochs_next(handle::Integer)
    st = _epoch_trial(handle)
    tr = st.trainer
    seen = length(tr.test_acc_list)
    stopped = false
    while tr.current_iter < tr.max_iter
        l = train_step!(tr)
        if !st.nonfinite && !isfinite(l)
            st.nonfinite = true
            if st.stop_on_divergence
                stopped = true
                break
            end
        end
        length(tr.test_acc_list) > seen && break
    end
    n = length(tr.test_acc_list)
    return Dict{String,Any}("measured" => n, "val_acc" => n == 0 ? NaN : tr.test_acc_list[end],
        "train_acc" => n == 0 ? NaN : tr.train_acc_list[end], "nonfinite" => Int(st.nonfinite),
        "done" => Int(stopped || tr.current_iter >= tr.max_iter))
end

"""
    search_epochs_finish(handle) -> Dict{String,Any}

The curves of trial `handle` ("val_acc_list", "train_acc_list", "train_loss_list") and
its stream's state ("rng_state", as `NumpyRandom.rng_state` gives it);
the trial is forgotten.
"""
function search_epochs_finish(handle::Integer)
    st = _epoch_trial(handle)
    delete!(_EPOCH_TRIALS, handle)
    tr = st.trainer
    return Dict{String,Any}("val_acc_list" => tr.test_acc_list, "train_acc_list" => tr.train_acc_list,
        "train_loss_list" => tr.train_loss_list, "rng_state" => NumpyRandom.rng_state(st.rng))
end

export check_trial_net, search_epochs_start, search_epochs_next, search_epochs_finish
