# trainer.jl: a Trainer's run on pyref's data (shared.jl's ref) follows pyref's draws.
using Test
using PyRef

@testset "the trainer follows pyref's draws" begin
    xs, ts = ref("xs"), ref("ts")
    rng = NumpyRandom.RandomState(4)
    net2 = MultiLayerNetExtend(20, [8, 6], 10; use_dropout=true, dropout_ratio=0.2, rng=rng)
    tr = Trainer(net2, xs, ts, xs[1:20, :], ts[1:20]; epochs=3, mini_batch_size=16, optimizer="adam",
                 optimizer_param=Dict("lr" => 0.01), verbose=false, rng=rng)
    train!(tr)
    @test maximum(abs.(tr.train_loss_list .- ref("trainer_loss"))) < 1e-9
    @test tr.train_acc_list == ref("trainer_acc")
end
