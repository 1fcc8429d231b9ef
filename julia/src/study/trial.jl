# One trial of a search (twin of pyref/study/trial.py): its record, its net and Trainer,
# and its training measurement by measurement, so that a pruner can stop it between
# two measurements. `run_trial` (search.jl) trains the book's trials with it;
# `pyref search --engine julia` trains a trial through the bridge: `start_trial` keeps
# it under a handle, each `train_to_next_measurement!(handle)` trains until the next
# accuracy measurement (the first step of an epoch, as the book's Trainer measures) or
# the end, Python asks its pruner between calls, and `finish_trial(handle)` returns the
# curves and the stream's state and forgets the trial.

# The largest trial net: hidden layers, and weights and biases in all (pyref.study.trial's).
const MAX_HIDDEN_LAYERS = 100
const MAX_NET_WEIGHTS = 100_000_000

"""
    Trial(number, lr, weight_decay, val_acc_list, train_acc_list, fail_reason=nothing)

One trial: its hyperparameters, its per-epoch accuracy curves and, if its training loss
became NaN or inf, why it failed (pyref.study.trial.Trial; the study's own fields,
Python's alone, are left out).
"""
struct Trial
    number::Int
    lr::Float64
    weight_decay::Float64
    val_acc_list::Vector{Float64}
    train_acc_list::Vector{Float64}
    fail_reason::Union{Nothing,String}
end
Trial(number, lr, weight_decay, val_acc_list, train_acc_list) =
    Trial(number, lr, weight_decay, val_acc_list, train_acc_list, nothing)

"""The last validation accuracy; `nothing` when none was measured (pyref's None, JSON's null)."""
final_val_acc(tr::Trial) = isempty(tr.val_acc_list) ? nothing : tr.val_acc_list[end]

"""
    to_dict(tr::Trial) -> Dict{String,Any}

The trial as the book's search reports it: number, lr, weight_decay, val_acc_list,
train_acc_list, final_val_acc, final_train_acc and fail_reason.
"""
to_dict(tr::Trial) = Dict{String,Any}("number" => tr.number, "lr" => tr.lr, "weight_decay" => tr.weight_decay,
    "val_acc_list" => tr.val_acc_list, "train_acc_list" => tr.train_acc_list,
    "final_val_acc" => final_val_acc(tr),
    "final_train_acc" => isempty(tr.train_acc_list) ? nothing : tr.train_acc_list[end],
    "fail_reason" => tr.fail_reason)

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

# Python's repr of a non-finite float, so that reasons read the same in both languages.
_py_repr(x::Float64) = isnan(x) ? "nan" : isinf(x) ? (x > 0 ? "inf" : "-inf") : repr(x)

"""
    divergence_reason(losses, iter_per_epoch) -> Union{String,Nothing}

Why a trial with these training losses (one per step) failed: "diverged: training loss
became <loss> at step <s> (epoch <e>)" for the first NaN or inf, or `nothing`.
"""
function divergence_reason(losses::AbstractVector{<:Real}, iter_per_epoch::Real)
    step = findfirst(l -> !isfinite(l), losses)
    step === nothing && return nothing
    epoch = trunc(Int, (step - 1) ÷ iter_per_epoch) + 1
    return "diverged: training loss became $(_py_repr(Float64(losses[step]))) at step $step (epoch $epoch)"
end

"""
    trial_trainer(x_train, t_train, x_val, t_val; epochs, hidden, batch_size, optimizer, lr,
                  weight_decay, dropout_ratio, use_batchnorm, rng) -> Trainer

A trial's MultiLayerNetExtend (Dropout when `dropout_ratio` > 0, BatchNorm with
`use_batchnorm`; with neither, the book's MultiLayerNet) and its Trainer, not yet
trained: the weights, then the minibatches are drawn from `rng`. ArgumentError for a
net `check_trial_net` refuses.
"""
function trial_trainer(x_train, t_train, x_val, t_val; epochs::Integer, hidden, batch_size::Integer,
                       optimizer::AbstractString, lr::Real, weight_decay::Real, dropout_ratio::Real,
                       use_batchnorm::Bool, rng::NumpyRandom.RandomState)
    epochs = check_positive_int("epochs", epochs)
    check_trial_net(size(x_train, 2), hidden)
    use_dropout = dropout_ratio > 0
    net = MultiLayerNetExtend(size(x_train, 2), collect(Int, hidden), NUM_CLASSES; weight_decay_lambda=weight_decay,
                              use_dropout=use_dropout, dropout_ratio=use_dropout ? dropout_ratio : 0.5,
                              use_batchnorm=use_batchnorm, rng=rng)
    return Trainer(net, x_train, t_train, x_val, t_val; epochs=epochs, mini_batch_size=batch_size,
                   optimizer=optimizer, optimizer_param=Dict("lr" => lr), verbose=false, rng=rng)
end

"""
    TrialRun(trainer, rng, stop_on_divergence=true)

A trial being trained: its Trainer, the stream it draws from, whether it stops at the
first NaN or inf loss (else it trains to the end, so that the stream advances as the
book's), and whether its loss has become NaN or inf (`nonfinite`).
"""
mutable struct TrialRun
    trainer::Trainer
    rng::NumpyRandom.RandomState
    stop_on_divergence::Bool
    nonfinite::Bool
end
TrialRun(trainer::Trainer, rng::NumpyRandom.RandomState, stop_on_divergence::Bool=true) =
    TrialRun(trainer, rng, stop_on_divergence, false)

"""
    train_to_next_measurement!(run::TrialRun) -> Dict{String,Any}

Train `run` until its next accuracy measurement, its end, or (when it stops on
divergence) a NaN or inf loss. Returns "measured" (measurements so far), "val_acc" and
"train_acc" (the last ones, NaN before the first), "nonfinite" (0/1: the loss became
NaN or inf) and "done" (0/1: no step is left, or it stopped on divergence).
"""
function train_to_next_measurement!(run::TrialRun)
    tr = run.trainer
    seen = length(tr.test_acc_list)
    stopped = false
    while tr.current_iter < tr.max_iter
        l = train_step!(tr)
        if !run.nonfinite && !isfinite(l)
            run.nonfinite = true
            if run.stop_on_divergence
                stopped = true
                break
            end
        end
        length(tr.test_acc_list) > seen && break
    end
    n = length(tr.test_acc_list)
    return Dict{String,Any}("measured" => n, "val_acc" => n == 0 ? NaN : tr.test_acc_list[end],
        "train_acc" => n == 0 ? NaN : tr.train_acc_list[end], "nonfinite" => Int(run.nonfinite),
        "done" => Int(stopped || tr.current_iter >= tr.max_iter))
end

"""
    finish_trial(run::TrialRun) -> Dict{String,Any}

What `run` gave: "val_acc_list", "train_acc_list" (one per measurement),
"train_loss_list" (one per step) and "rng_state" (`NumpyRandom.rng_state` of its stream).
"""
function finish_trial(run::TrialRun)
    tr = run.trainer
    return Dict{String,Any}("val_acc_list" => tr.test_acc_list, "train_acc_list" => tr.train_acc_list,
        "train_loss_list" => tr.train_loss_list, "rng_state" => NumpyRandom.rng_state(run.rng))
end

"""
    train_trial(next_measurement, on_epoch=nothing) -> Union{Int,Nothing}

Train a trial measurement by measurement until it is done or pruned: the one trial
loop. `next_measurement()` trains to the next measurement and returns what
`train_to_next_measurement!` does; `on_epoch(epoch, val_acc, train_acc)` is called after
each measurement (epoch counted from 1) while the loss is finite, and `true` prunes the
trial. Returns the epoch it was pruned at, or `nothing`.
"""
function train_trial(next_measurement, on_epoch=nothing)
    seen = 0
    while true
        step = next_measurement()
        if step["measured"] > seen
            seen = Int(step["measured"])
            if on_epoch !== nothing && step["nonfinite"] == 0 &&
               on_epoch(seen, Float64(step["val_acc"]), Float64(step["train_acc"]))
                return seen
            end
        end
        step["done"] != 0 && return nothing
    end
end

# The trials Python trains through the bridge, by handle.
const _TRIAL_RUNS = Dict{Int,TrialRun}()
const _NEXT_TRIAL_HANDLE = Ref(0)

function _trial_run(handle::Integer)
    haskey(_TRIAL_RUNS, handle) || throw(ArgumentError("no search trial with handle $handle (finished, or started in another Julia worker)"))
    return _TRIAL_RUNS[handle]
end

"""
    start_trial(x_train, t_train, x_val, t_val; epochs, hidden, batch_size, optimizer, lr,
                weight_decay, dropout_ratio, use_batchnorm, stop_on_divergence, rng_state) -> Int

The Julia engine's trial (called from Python through the bridge, so flags come as 0/1
and `hidden` as an integer array): its net and Trainer as `trial_trainer` builds them,
on the stream in state `rng_state` (`NumpyRandom.rng_state`'s dict: the trial's stream
after its hyperparameters were drawn). Returns its handle for
`train_to_next_measurement!(handle)` and `finish_trial(handle)`.
"""
function start_trial(x_train::AbstractMatrix, t_train::AbstractArray, x_val::AbstractMatrix,
                     t_val::AbstractArray; epochs::Integer, hidden, batch_size::Integer,
                     optimizer::AbstractString, lr::Real, weight_decay::Real, dropout_ratio::Real,
                     use_batchnorm::Integer, stop_on_divergence::Integer, rng_state::AbstractDict)
    epochs = check_positive_int("epochs", epochs)
    batch_size = check_positive_int("batch_size", batch_size)
    isfinite(lr) && lr > 0 || throw(ArgumentError("lr must be a finite number > 0, got $lr"))
    isfinite(weight_decay) && weight_decay >= 0 || throw(ArgumentError("weight_decay must be a finite number >= 0, got $weight_decay"))
    0 <= dropout_ratio < 1 || throw(ArgumentError("dropout_ratio must be in [0, 1), got $dropout_ratio"))
    rng = NumpyRandom.set_rng_state!(NumpyRandom.RandomState(0), rng_state)
    tr = trial_trainer(x_train, t_train, x_val, t_val; epochs=epochs, hidden=hidden, batch_size=batch_size,
                       optimizer=optimizer, lr=Float64(lr), weight_decay=weight_decay,
                       dropout_ratio=dropout_ratio, use_batchnorm=Bool(use_batchnorm), rng=rng)
    _NEXT_TRIAL_HANDLE[] += 1
    _TRIAL_RUNS[_NEXT_TRIAL_HANDLE[]] = TrialRun(tr, rng, Bool(stop_on_divergence))
    return _NEXT_TRIAL_HANDLE[]
end

"""`train_to_next_measurement!` of the trial `start_trial` returned `handle` for."""
train_to_next_measurement!(handle::Integer) = train_to_next_measurement!(_trial_run(handle))

"""`finish_trial` of the trial under `handle`, which is then forgotten."""
function finish_trial(handle::Integer)
    run = _trial_run(handle)
    delete!(_TRIAL_RUNS, handle)
    return finish_trial(run)
end

export Trial, check_trial_net, trial_trainer, TrialRun, train_to_next_measurement!, finish_trial, train_trial,
       start_trial
