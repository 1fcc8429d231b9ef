# PyRef.search_trial, the trial `pyref search --engine julia` runs, against pyref's
# run_trial on the same inputs (written by pyref.parity.oracle.write_search_trials):
# sampled hyperparameters and stream states bit-identical, accuracies equal, losses
# within the trajectory tier (1e-9).
using Test
using PyRef

sref(name) = (a = read_npy(joinpath(ORACLE_DIR, "search_$name.npy")); ndims(a) == 0 ? a[] : a)

const SEARCH_DATA = (sref("x_train"), sref("t_train"), sref("x_val"), sref("t_val"))
const SEARCH_KW = (epochs=15, hidden=[12, 10], batch_size=16)

function check_like_pyref(out::Dict, name::AbstractString)
    hp = sref("$(name)_hp")
    @test out["weight_decay"] === hp[1] && out["lr"] === hp[2]
    acc = sref("$(name)_acc")
    @test out["val_acc_list"] == acc[1, :]
    @test out["train_acc_list"] == acc[2, :]
    loss = sref("$(name)_loss")
    @test length(out["train_loss_list"]) == length(loss)
    @test maximum(abs.(out["train_loss_list"] .- loss)) < 1e-9
end

# pyref's stream states, saved flat by the oracle, as the dict of NumpyRandom.rng_state.
ref_state(name) = (k = sref("$(name)_key"); r = sref("$(name)_rest");
                   Dict{String,Any}("key" => k, "pos" => Int(r[1]), "has_gauss" => Int(r[2]), "cached_gaussian" => r[3]))

@testset "trial seeds are pyref's" begin
    @test [trial_seed(s, i) for (s, i) in ((0, 0), (7, 3), (2^32 - 1, 10), (123, 10^6))] == sref("trial_seeds")
    @test_throws ArgumentError trial_seed(-1, 0)
    @test_throws ArgumentError trial_seed(0, -1)
end

@testset "per-trial stream: trial i from trial_seed(seed, i)" begin
    index = Int(sref("per_trial_index"))
    out = search_trial(SEARCH_DATA...; index=index, seed=7, SEARCH_KW...)
    check_like_pyref(out, "per_trial")
    @test out["number"] == index
    # the Dict's stream state is the trial's stream after it
    rng = NumpyRandom.RandomState(trial_seed(7, index))
    run_trial(index, SEARCH_DATA..., 15; hidden=[12, 10], batch_size=16, rng=rng)
    @test out["rng_state"] == NumpyRandom.rng_state(rng)
end

@testset "textbook stream: state in, trial, state out" begin
    state = ref_state("textbook_state0")
    for i in 0:1
        out = search_trial(SEARCH_DATA...; index=i, rng_state=state, SEARCH_KW...)
        check_like_pyref(out, "textbook_$i")
        after = ref_state("textbook_state$(i + 1)")
        @test out["rng_state"]["key"] == after["key"]
        @test all(out["rng_state"][k] === after[k] for k in ("pos", "has_gauss", "cached_gaussian"))
        state = out["rng_state"]
    end
end

@testset "a diverging trial stops with pyref's reason" begin
    x_tr, t_tr, x_val, t_val = SEARCH_DATA
    big = Float64.(x_tr) .* 1e300
    out = search_trial(big, t_tr, x_val, t_val; index=0, seed=7, stop_on_divergence=1, SEARCH_KW...)
    @test length(out["train_loss_list"]) == 1 && !isfinite(out["train_loss_list"][1])
    @test out["val_acc_list"] == sref("diverged_acc")[1, :]
    tr = run_trial(0, big, t_tr, x_val, t_val, 15; hidden=[12, 10], batch_size=16,
                   rng=NumpyRandom.RandomState(trial_seed(7, 0)), stop_on_divergence=true)
    @test tr.fail_reason == read(joinpath(ORACLE_DIR, "search_diverged_reason.txt"), String)
    @test PyRef.divergence_reason([1.0, 2.0], 1.0) === nothing
end

@testset "search_trial checks its stream arguments" begin
    @test_throws ArgumentError search_trial(SEARCH_DATA...; index=0, SEARCH_KW...)
    state = NumpyRandom.rng_state(NumpyRandom.RandomState(1))
    @test_throws ArgumentError search_trial(SEARCH_DATA...; index=0, seed=1, rng_state=state, SEARCH_KW...)
    @test_throws ArgumentError search_trial(SEARCH_DATA...; index=0, rng_state=delete!(copy(state), "pos"), SEARCH_KW...)
    @test_throws ArgumentError search_trial(SEARCH_DATA...; index=0, rng_state=merge(state, Dict("has_gauss" => 2)), SEARCH_KW...)
    @test_throws ArgumentError search_trial(SEARCH_DATA...; index=0, rng_state=merge(state, Dict("key" => zeros(Int, 623))), SEARCH_KW...)
    @test_throws ArgumentError search_trial(SEARCH_DATA...; index=0, seed=1, epochs=0)
end
