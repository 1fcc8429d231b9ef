# The assignment's Solver (twin of pyref/cs231n/solver.py): minibatch training with
# an update rule of optim.jl, accuracy checks once per epoch, the best parameters
# kept. Minibatches and accuracy subsamples are `np.random.choice` draws from numpy's
# global stream, in Python's order.

"""The data a Solver needs."""
const DATA_KEYS = ("X_train", "y_train", "X_val", "y_val")

_optional_count(name::AbstractString, value) = value === nothing ? nothing : check_positive_int(name, value)

"""`X[idx, :, ...]` for 0-based sample indices `idx`."""
_samples(X::AbstractArray, idx) = X[idx .+ 1, ntuple(_ -> Colon(), ndims(X) - 1)...]

"""Trains a model (a TwoLayerNet or FullyConnectedNet: `params` and `loss`)."""
mutable struct Solver
    model::Any
    X_train::Array
    y_train::AbstractVector
    X_val::Array
    y_val::AbstractVector
    update_rule::String
    optim_config::Dict{String,Any}
    lr_decay::Float64
    batch_size::Int
    num_epochs::Int
    num_train_samples::Union{Nothing,Int}
    num_val_samples::Union{Nothing,Int}
    checkpoint_name::Union{Nothing,String}
    print_every::Int
    verbose::Bool
    epoch::Int
    best_val_acc::Float64
    best_params::Dict{String,Array{Float64}}
    loss_history::Vector{Float64}
    train_acc_history::Vector{Float64}
    val_acc_history::Vector{Float64}
    optim_configs::Dict{String,Dict{String,Any}}
end

"""
    Solver(model, data; update_rule="sgd", optim_config=nothing, lr_decay=1.0, batch_size=100,
           num_epochs=10, num_train_samples=1000, num_val_samples=nothing, checkpoint_name=nothing,
           print_every=10, verbose=true)

A Solver, ready to `train!`; `data` a Dict with "X_train" (N, d_1, ..., d_k),
"y_train" (N,), "X_val", "y_val" (0-based labels).
"""
function Solver(model, data; update_rule="sgd", optim_config=nothing, lr_decay=1.0, batch_size=100,
                num_epochs=10, num_train_samples=1000, num_val_samples=nothing, checkpoint_name=nothing,
                print_every=10, verbose=true)
    hasproperty(model, :params) || throw(ArgumentError("model must have params and a loss(model, X, y=nothing) method"))
    data isa AbstractDict || throw(ArgumentError("data must be a Dict, not $(typeof(data))"))
    for key in DATA_KEYS
        haskey(data, key) || throw(ArgumentError("data has no $(repr(key)); it needs $(join(DATA_KEYS, ", "))"))
    end
    for split in ("train", "val")
        X, y = data["X_$split"], data["y_$split"]
        (X isa AbstractArray{<:Real} && y isa AbstractVector{<:Integer}) ||
            throw(ArgumentError("data['X_$split'] must be a numeric array and data['y_$split'] integer labels"))
        (ndims(X) >= 2 && size(X, 1) > 0 && size(X, 1) == length(y)) ||
            throw(DimensionMismatch("data['X_$split'] (size $(size(X))) must hold one sample per label of data['y_$split'] ($(length(y)) labels)"))
    end
    (update_rule isa AbstractString && update_rule in UPDATE_RULES) ||
        throw(ArgumentError("unknown update_rule $(repr(update_rule)); choose from $(join(UPDATE_RULES, ", "))"))
    optim_config === nothing || optim_config isa AbstractDict ||
        throw(ArgumentError("optim_config must be a Dict, not $(typeof(optim_config))"))
    config = optim_config === nothing ? Dict{String,Any}() : Dict{String,Any}(optim_config)
    known = _known_keys(update_rule)
    for key in keys(config)
        key in known || throw(ArgumentError("optim_config has a key $(repr(key)) that $update_rule does not use; its keys: $(join(known, ", "))"))
    end
    (checkpoint_name === nothing || (checkpoint_name isa AbstractString && !isempty(checkpoint_name))) ||
        throw(ArgumentError("checkpoint_name must be a non-empty string or nothing, got $(repr(checkpoint_name))"))
    solver = Solver(model, _f64(data["X_train"]), data["y_train"], _f64(data["X_val"]), data["y_val"],
                    String(update_rule), config, check_positive("lr_decay", lr_decay),
                    check_positive_int("batch_size", batch_size), check_positive_int("num_epochs", num_epochs),
                    _optional_count("num_train_samples", num_train_samples),
                    _optional_count("num_val_samples", num_val_samples),
                    checkpoint_name === nothing ? nothing : String(checkpoint_name),
                    check_positive_int("print_every", print_every), check_flag("verbose", verbose),
                    0, 0.0, Dict{String,Array{Float64}}(), Float64[], Float64[], Float64[],
                    Dict{String,Dict{String,Any}}())
    _reset!(solver)
    return solver
end

"""Fresh book-keeping: epoch 0, empty histories, one config per parameter."""
function _reset!(solver::Solver)
    solver.epoch = 0
    solver.best_val_acc = 0.0
    solver.best_params = Dict{String,Array{Float64}}()
    solver.loss_history = Float64[]
    solver.train_acc_history = Float64[]
    solver.val_acc_history = Float64[]
    solver.optim_configs = Dict(p => Dict{String,Any}(solver.optim_config) for p in keys(solver.model.params))
    return solver
end

"""One update: a minibatch drawn with replacement, its loss, every parameter stepped."""
function _step!(solver::Solver)
    num_train = size(solver.X_train, 1)
    batch_mask = NumpyRandom.choice(NumpyRandom.global_state(), num_train, solver.batch_size)
    l, grads = loss(solver.model, _samples(solver.X_train, batch_mask), solver.y_train[batch_mask .+ 1])
    push!(solver.loss_history, l)
    rule = _update_rule(solver.update_rule)
    for (p, w) in collect(solver.model.params)
        next_w, next_config = rule(w, grads[p], solver.optim_configs[p])
        solver.model.params[p] = next_w
        solver.optim_configs[p] = next_config
    end
    return solver
end

_json(x::Nothing) = "null"
_json(x::AbstractString) = repr(String(x))
_json(x::Real) = repr(x)
_json(d::AbstractDict) = "{" * join(["$(_json(string(k))): $(_json(v))" for (k, v) in sort!(collect(d); by=first)], ", ") * "}"

"""The model's parameters and the histories as `{checkpoint_name}_epoch_{epoch}.npz`,
written atomically; the settings are the member `settings`, JSON as bytes."""
function _save_checkpoint(solver::Solver)
    solver.checkpoint_name === nothing && return nothing
    settings = Dict{String,Any}("update_rule" => solver.update_rule, "lr_decay" => solver.lr_decay,
                                "optim_config" => Dict(k => v for (k, v) in solver.optim_config if v isa Real),
                                "batch_size" => solver.batch_size, "num_train_samples" => solver.num_train_samples,
                                "num_val_samples" => solver.num_val_samples, "epoch" => solver.epoch)
    arrays = Pair{String,Any}["params.$k" => v for (k, v) in sort!(collect(solver.model.params); by=first)]
    push!(arrays, "loss_history" => solver.loss_history, "train_acc_history" => solver.train_acc_history,
          "val_acc_history" => solver.val_acc_history, "settings" => Vector{UInt8}(codeunits(_json(settings))))
    filename = "$(solver.checkpoint_name)_epoch_$(solver.epoch).npz"
    solver.verbose && println("Saving checkpoint to \"$filename\"")
    write_npz(filename, arrays)
    return nothing
end

"""
    check_accuracy(solver, X, y; num_samples=nothing, batch_size=100) -> Float64

The share of samples the model classifies right; `num_samples` (if < N) drawn with replacement.
"""
function check_accuracy(solver::Solver, X, y; num_samples=nothing, batch_size=100)
    (X isa AbstractArray{<:Real} && y isa AbstractVector{<:Integer}) ||
        throw(ArgumentError("X must be a numeric array and y integer labels"))
    size(X, 1) == length(y) || throw(DimensionMismatch("X has $(size(X, 1)) samples for $(length(y)) labels"))
    num_samples = _optional_count("num_samples", num_samples)
    batch_size = check_positive_int("batch_size", batch_size)
    n = size(X, 1)
    if num_samples !== nothing && n > num_samples
        mask = NumpyRandom.choice(NumpyRandom.global_state(), n, num_samples)
        n = num_samples
        X, y = _samples(X, mask), y[mask .+ 1]
    end
    num_batches = cld(n, batch_size)
    y_pred = Int[]
    for i in 0:(num_batches - 1)
        rows = (i * batch_size):(min((i + 1) * batch_size, n) - 1)
        append!(y_pred, argmax_rows(loss(solver.model, _samples(X, rows))))
    end
    return count(y_pred .== y) / n
end

"""
    train!(solver)

Run the optimisation; afterwards `solver.model.params` are the best parameters seen
on the validation set (Python's schedule: checks after the first iteration, at each
epoch's end, after the last one; the learning rate decays at each epoch's end).
"""
function train!(solver::Solver)
    num_train = size(solver.X_train, 1)
    iterations_per_epoch = max(num_train ÷ solver.batch_size, 1)
    num_iterations = solver.num_epochs * iterations_per_epoch
    for t in 0:(num_iterations - 1)
        _step!(solver)
        if solver.verbose && t % solver.print_every == 0
            @printf("(Iteration %d / %d) loss: %f\n", t + 1, num_iterations, solver.loss_history[end])
        end
        epoch_end = (t + 1) % iterations_per_epoch == 0
        if epoch_end
            solver.epoch += 1
            for config in values(solver.optim_configs)
                config["learning_rate"] *= solver.lr_decay
            end
        end
        if t == 0 || t == num_iterations - 1 || epoch_end
            train_acc = check_accuracy(solver, solver.X_train, solver.y_train; num_samples=solver.num_train_samples)
            val_acc = check_accuracy(solver, solver.X_val, solver.y_val; num_samples=solver.num_val_samples)
            push!(solver.train_acc_history, train_acc)
            push!(solver.val_acc_history, val_acc)
            _save_checkpoint(solver)
            solver.verbose && @printf("(Epoch %d / %d) train acc: %f; val_acc: %f\n", solver.epoch, solver.num_epochs,
                                      train_acc, val_acc)
            if val_acc > solver.best_val_acc
                solver.best_val_acc = val_acc
                solver.best_params = Dict{String,Array{Float64}}(k => copy(v) for (k, v) in solver.model.params)
            end
        end
    end
    isempty(solver.best_params) || (solver.model.params = solver.best_params)
    return solver
end
