# PyRef.search_epochs_*: a trial trained call by call, as `pyref search --engine julia`
# trains one so that a pruner can stop it, is search_trial's trial, draw for draw (the
# Python engine's equality with it on richer spaces is tested in tests/test_study.py).
using Test
using PyRef

eref(name) = (a = read_npy(joinpath(ORACLE_DIR, "search_$name.npy")); ndims(a) == 0 ? a[] : a)
const EPOCH_DATA = (eref("x_train"), eref("t_train"), eref("x_val"), eref("t_val"))

# The trial's stream after its weight decay and lr were drawn, as NumpyRandom.rng_state's dict.
function drawn_stream(seed, index)
    rng = NumpyRandom.RandomState(trial_seed(seed, index))
    weight_decay, lr = sample_hyperparameters(rng)
    return weight_decay, lr, (rng_state=NumpyRandom.rng_state(rng),)
end

const EPOCH_KW = (epochs=15, hidden=[12, 10], batch_size=16, optimizer="sgd", dropout_ratio=0.0,
                  use_batchnorm=0, stop_on_divergence=1)

@testset "call by call is search_trial's trial" begin
    weight_decay, lr, stream = drawn_stream(7, 3)
    whole = search_trial(EPOCH_DATA...; index=3, seed=7, epochs=15, hidden=[12, 10], batch_size=16)
    h = search_epochs_start(EPOCH_DATA...; lr=lr, weight_decay=weight_decay, stream..., EPOCH_KW...)
    measured = Int[]
    while true
        step = search_epochs_next(h)
        push!(measured, step["measured"])
        step["done"] == 1 && break
    end
    # one call per epoch's measurement, then one for the rest of the last epoch
    @test measured == [collect(1:15); 15]
    out = search_epochs_finish(h)
    @test out["val_acc_list"] == whole["val_acc_list"]
    @test out["train_acc_list"] == whole["train_acc_list"]
    @test out["train_loss_list"] == whole["train_loss_list"]
    @test out["rng_state"] == whole["rng_state"]
    @test_throws ArgumentError search_epochs_next(h)  # finished: forgotten
end

@testset "a trial stopped after 3 measurements has trained 2 epochs and a step" begin
    weight_decay, lr, stream = drawn_stream(7, 0)
    h = search_epochs_start(EPOCH_DATA...; lr=lr, weight_decay=weight_decay, stream..., EPOCH_KW...)
    for _ in 1:3
        search_epochs_next(h)
    end
    out = search_epochs_finish(h)
    @test length(out["val_acc_list"]) == 3
    steps_per_epoch = size(EPOCH_DATA[1], 1) / 16
    @test length(out["train_loss_list"]) == floor(Int, 2 * steps_per_epoch) + 1
end

@testset "search_epochs_start checks its settings" begin
    _, _, stream = drawn_stream(7, 0)
    kw = (lr=0.01, weight_decay=0.0, stream..., EPOCH_KW...)
    @test_throws ArgumentError search_epochs_start(EPOCH_DATA...; kw..., lr=0.0)
    @test_throws ArgumentError search_epochs_start(EPOCH_DATA...; kw..., weight_decay=-1.0)
    @test_throws ArgumentError search_epochs_start(EPOCH_DATA...; kw..., dropout_ratio=1.0)
    @test_throws ArgumentError search_epochs_start(EPOCH_DATA...; kw..., epochs=0)
    @test_throws ArgumentError search_epochs_start(EPOCH_DATA...; kw..., optimizer="adamw")
end

@testset "a trial's net is bounded before it is built" begin
    @test check_trial_net(784, [100, 100, 100, 100, 100, 100]) == 784 * 100 + 100 + 5 * (100 * 100 + 100) + 100 * 10 + 10
    @test check_trial_net(784, fill(1, PyRef.MAX_HIDDEN_LAYERS)) > 0
    err = try check_trial_net(784, [100_000, 100_000]) catch e e end
    @test err isa ArgumentError && occursin("784-100000x2-10 has 10,079,600,010 weights", err.msg)
    @test_throws ArgumentError check_trial_net(784, fill(1, PyRef.MAX_HIDDEN_LAYERS + 1))
    @test_throws ArgumentError check_trial_net(784, Int[])
    @test_throws ArgumentError check_trial_net(784, [10, 0])
    @test_throws ArgumentError check_trial_net(784, [typemax(Int) ÷ 2, typemax(Int) ÷ 2])  # no overflow
    _, _, stream = drawn_stream(7, 0)
    kw = (lr=0.01, weight_decay=0.0, stream..., EPOCH_KW...)
    @test_throws ArgumentError search_epochs_start(EPOCH_DATA...; kw..., hidden=[1_000_000, 1_000_000])
end
