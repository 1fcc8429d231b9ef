using PyRef.Verify
const V = PyRef.Verify

@testset "registration checks its arguments" begin
    V.clear!()
    step = (o, p, g) -> nothing
    @test_throws ArgumentError verify_optimizer("Momentom"; make=h -> 1, step=step)
    @test_throws ArgumentError verify_optimizer("SGD"; hyper=(momentum=0.9,), make=h -> 1, step=step)
    @test_throws ArgumentError verify_optimizer("SGD"; make=h -> 1)           # no step
    @test_throws ArgumentError verify_optimizer("SGD"; make=h -> 1, step=step, layout=:list)
    @test_throws ArgumentError verify_optimizer("SGD"; make=h -> 1, step=step, hyper=Dict("lr" => 1))
    @test_throws ArgumentError verify_layer("Conv"; make=a -> 1, forward=step, backward=step)
    @test_throws ArgumentError verify_function("tanh", identity)
    @test_throws ArgumentError verify_net("TwoLayerNet"; make=a -> 1, loss=step, gradient=step)
    @test_throws ArgumentError verify_training("t"; make=a -> 1, step=step, batch_size=0)
    @test_throws ArgumentError verify_training("t"; make=a -> 1, step=step, optimizer="LBFGS")
    c = verify_optimizer("SGD"; make=h -> 1, step=step, label="sgd")
    @test c.label == "sgd" && c.component == "SGD" && c.kind == "optimizer"
    @test_throws ArgumentError verify_optimizer("SGD"; make=h -> 1, step=step, label="sgd")  # twice
    @test length(V.CHECKS) == 1
    V.clear!()
    @test isempty(V.CHECKS)
end

@testset "layouts round trip the book's keys" begin
    keys = ["W1", "b1", "W2", "b2", "gamma1", "beta1"]
    d = Dict{String,Any}(k => rand(2, 3) for k in keys)
    @test V._groups(keys) == [["W1", "b1", "gamma1", "beta1"], ["W2", "b2"]]
    for layout in (:dict, :symbol_dict, :vector, :nested)
        back = V.from_port(layout, V.to_port(layout, d, keys), keys)
        @test all(back[k] == d[k] for k in keys)
    end
    custom = (x -> collect(values(x)), p -> p)
    @test_throws ArgumentError V.from_port(custom, V.to_port(custom, d, keys), keys)
    @test_throws ArgumentError V.from_port(:dict, [1, 2], keys)
    @test_throws DimensionMismatch V.from_port(:vector, [rand(2)], keys)
end

@testset "a port that throws is reported with its frames" begin
    V.clear!()
    file = tempname() * ".jl"
    write(file, """
        using PyRef.Verify
        broken(x) = error("not ported yet")
        verify_function("softmax", broken)
        """)
    described = V.load_port(file)
    @test length(described) == 1 && described[1]["file"] == abspath(file)
    res = V.run_check("softmax", Dict{String,Any}("seed" => 0, "steps" => [Dict("args" => [rand(2, 3)])]))
    @test !res["ok"] && res["error"]["type"] == "ErrorException"
    @test res["error"]["frames"][1] == "broken at $(abspath(file)):2"
    @test_throws ArgumentError V.run_check("nosuch", Dict{String,Any}("seed" => 0))
    write(file, "using PyRef.Verify\nfunction f(\n")
    err = try V.load_port(file); nothing catch e; e end
    @test err isa ArgumentError && occursin("$(abspath(file)):2", err.msg)
    @test_throws ArgumentError V.load_port(file * ".missing")
    @test_throws ArgumentError check_vectors(dirname(file))   # no manifest
    V.clear!()
    rm(file)
end

@testset "Bridge.user_frames: users' files only, keyword functions by their names" begin
    file = tempname() * ".jl"
    write(file, """
        module UserFramesCase
        using PyRef
        inner(; n) = PyRef.make_optimizer("no-such-optimizer")
        outer(n) = inner(; n=n)
        deep(k) = k == 0 ? error("bottom") : deep(k - 1)
        end
        """)
    Base.include(Main, file)
    bt = try Main.UserFramesCase.outer(3); nothing catch; catch_backtrace() end
    frames = PyRef.Bridge.user_frames(bt)  # then this test file's own frames
    @test frames[1:2] == ["inner at $(abspath(file)):3", "outer at $(abspath(file)):4"]
    @test !any(f -> occursin(PyRef.Bridge.PYREF_SRC, f), frames)
    bt = try Main.UserFramesCase.deep(100); nothing catch; catch_backtrace() end
    frames = PyRef.Bridge.user_frames(bt)
    @test length(frames) == PyRef.Bridge.MAX_USER_FRAMES
    @test all(f -> f == "deep at $(abspath(file)):5", frames)
end
