# The book's Trainer (twin of pyref/trainer.py).

"""The book's iterations per epoch: `max(train_size / batch_size, 1)`, a float as Python's true division."""
iter_per_epoch(train_size::Integer, batch_size::Integer) = max(train_size / batch_size, 1)

"""
    Trainer(network, x_train, t_train, x_test, t_test; epochs=20, mini_batch_size=100,
            optimizer="SGD", optimizer_param=Dict("lr" => 0.01), evaluate_sample_num_per_epoch=nothing,
            verbose=true, rng)

The book's Trainer: each step draws `choice(train_size, batch_size)`, takes the
gradient, updates, and records the batch loss; every `iter_per_epoch` steps (from step
0) it records the train and test accuracy.

# Arguments
- `network`: a net with `params`, `gradient_buffers`, `gradient!`, `loss` and `accuracy`
  (a `MultiLayerNetExtend`, `SimpleConvNet` or `DeepConvNet`).
- `x_train`: training samples, (N, D) rows or (N, C, H, W) images.
- `t_train`: their labels, N class indices or one-hot rows (N, C).
- `x_test`, `t_test`: the test samples and labels, likewise.
- `epochs`: passes over the training data, ≥ 1.
- `mini_batch_size`: samples per step, ≥ 1.
- `optimizer`: an optimizer's name (see `make_optimizer`) or an optimizer.
- `optimizer_param`: the named optimizer's settings, name => value.
- `evaluate_sample_num_per_epoch`: the samples each accuracy is measured on
  (`nothing`: all).
- `verbose`: print the losses and accuracies.
- `rng`: the random stream (a `NumpyRandom.RandomState`), numpy's global one by default.
"""
mutable struct Trainer{Net,Batcher}
    network::Net          # a MultiLayerNetExtend (samples in rows) or a SimpleConvNet (images)
    x_train::AbstractArray
    t_train::AbstractArray
    x_test::AbstractArray
    t_test::AbstractArray
    epochs::Int
    batch_size::Int
    optimizer::Any
    evaluate_sample_num_per_epoch::Union{Nothing,Int}
    verbose::Bool
    rng::NumpyRandom.RandomState
    train_size::Int
    iter_per_epoch::Float64
    max_iter::Int
    current_iter::Int
    current_epoch::Int
    train_loss_list::Vector{Float64}
    train_acc_list::Vector{Float64}
    test_acc_list::Vector{Float64}
    batcher::Batcher      # minibatches of x_train, gathered fast
    grads::Params      # reused by every step
end

function Trainer(network, x_train, t_train, x_test, t_test; epochs::Integer=20, mini_batch_size::Integer=100,
                 optimizer="SGD", optimizer_param=Dict("lr" => 0.01), evaluate_sample_num_per_epoch=nothing,
                 verbose::Bool=true, rng::NumpyRandom.RandomState=NumpyRandom.global_state())
    ndims(x_train) in (2, 4) || throw(ArgumentError("x_train must have 2 or 4 dimensions, got shape $(size(x_train))"))
    ndims(x_test) in (2, 4) || throw(ArgumentError("x_test must have 2 or 4 dimensions, got shape $(size(x_test))"))
    size(t_train, 1) == size(x_train, 1) || throw(DimensionMismatch("t_train has $(size(t_train, 1)) labels for $(size(x_train, 1)) samples"))
    size(t_test, 1) == size(x_test, 1) || throw(DimensionMismatch("t_test has $(size(t_test, 1)) labels for $(size(x_test, 1)) samples"))
    for (name, x) in (("x_train", x_train), ("x_test", x_test))
        size(x, 1) > 0 || throw(ArgumentError("$name has no samples (size $(size(x))): nothing to train on or to evaluate"))
    end
    epochs = check_positive_int("epochs", epochs)
    batch = check_positive_int("mini_batch_size", mini_batch_size)
    evaluate_sample_num_per_epoch === nothing || check_positive_int("evaluate_sample_num_per_epoch", evaluate_sample_num_per_epoch)
    opt = optimizer isa AbstractString ?
        make_optimizer(optimizer; (Symbol(k) => v for (k, v) in optimizer_param)...) : optimizer
    train_size = size(x_train, 1)
    per_epoch = iter_per_epoch(train_size, batch)
    batcher = batcher_for(x_train)
    return Trainer{typeof(network),typeof(batcher)}(network, x_train, t_train, x_test, t_test, epochs, batch, opt,
                   evaluate_sample_num_per_epoch, verbose, rng, train_size, per_epoch,
                   trunc(Int, epochs * per_epoch), 0, 0, Float64[], Float64[], Float64[], batcher,
                   gradient_buffers(network))
end

"""
    train_step!(tr::Trainer)

One minibatch step: gradient, update, the batch loss recorded (and the accuracies at
an epoch's start).

# Arguments
- `tr`: the trainer; its net and lists change in place.

# Returns
The batch loss after the update, a `Float64`.
"""
function train_step!(tr::Trainer)
    mask = NumpyRandom.choice(tr.rng, tr.train_size, tr.batch_size) .+ 1
    x_batch = batch!(tr.batcher, mask)
    t_batch = rows(tr.t_train, mask)
    update!(tr.optimizer, tr.network.params, gradient!(tr.grads, tr.network, x_batch, t_batch))
    l = loss(tr.network, x_batch, t_batch)
    push!(tr.train_loss_list, l)
    tr.verbose && println("train loss:", l)
    if rem(Float64(tr.current_iter), tr.iter_per_epoch) == 0
        tr.current_epoch += 1
        n = tr.evaluate_sample_num_per_epoch
        xtr, ttr, xte, tte = tr.x_train, tr.t_train, tr.x_test, tr.t_test
        if n !== nothing
            xtr, ttr = rows(xtr, 1:min(n, size(xtr, 1))), rows(ttr, 1:min(n, size(ttr, 1)))
            xte, tte = rows(xte, 1:min(n, size(xte, 1))), rows(tte, 1:min(n, size(tte, 1)))
        end
        train_acc = accuracy(tr.network, xtr, ttr)
        test_acc = accuracy(tr.network, xte, tte)
        push!(tr.train_acc_list, train_acc)
        push!(tr.test_acc_list, test_acc)
        tr.verbose && println("=== epoch:", tr.current_epoch, ", train acc:", train_acc, ", test acc:", test_acc, " ===")
    end
    tr.current_iter += 1
    return l
end

"""
    train!(tr::Trainer)

Run all `max_iter` steps, then measure the test accuracy.

# Arguments
- `tr`: the trainer; its net and lists change in place.

# Returns
The final test accuracy, a `Float64`.
"""
function train!(tr::Trainer)
    for _ in 1:tr.max_iter
        train_step!(tr)
    end
    test_acc = accuracy(tr.network, tr.x_test, tr.t_test)
    if tr.verbose
        println("=============== Final Test Accuracy ===============")
        println("test acc:", test_acc)
    end
    return test_acc
end

export Trainer, train_step!, train!
