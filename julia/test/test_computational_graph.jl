# Chapter 5's computational graph in PyRef: MulLayer and AddLayer as the book defines
# them, numbers keeping their types, arrays broadcast, the argument checks. Agreement
# with pyref bit for bit is `pyref parity`'s scenario graph-mul-add.
using Test
using PyRef

msg(f) = try
    f()
    ""
catch err
    sprint(showerror, err)
end

@testset "MulLayer and AddLayer" begin
    apple, apple_num, tax = 100, 2, 1.1
    mul_apple, mul_tax = MulLayer(), MulLayer()
    apple_price = forward(mul_apple, apple, apple_num)
    @test apple_price === 200   # an Int stays an Int
    price = forward(mul_tax, apple_price, tax)
    @test price == 200 * 1.1
    dapple_price, dtax = backward(mul_tax, 1)
    dapple, dapple_num = backward(mul_apple, dapple_price)
    @test (dapple, dapple_num, dtax) == (1.1 * 2, 1.1 * 100, 200)   # the other factors along the path
    add = AddLayer()
    @test forward(add, 200, 450) === 650
    @test backward(add, 1.1) == (1.1, 1.1)
    x = [1.0 2.0 3.0; 4.0 5.0 6.0]
    mul = MulLayer()
    @test forward(mul, x, 3.0) == x .* 3.0
    dx, dy = backward(mul, ones(2, 3))
    @test dx == fill(3.0, 2, 3) && dy == x
    @test forward(AddLayer(), x, [1.0 2.0 3.0]) == x .+ [1.0 2.0 3.0]
end

@testset "MulLayer and AddLayer: checks" begin
    @test occursin("x must be a real number or an array, not String", msg(() -> forward(MulLayer(), "2", 2)))
    @test occursin("y must be a real number or an array, not Bool", msg(() -> forward(AddLayer(), 2, true)))
    @test occursin("MulLayer.backward needs a forward pass first", msg(() -> backward(MulLayer(), 1)))
    l = MulLayer()
    forward(l, 1, 2)
    @test occursin("dout must be a real number or an array", msg(() -> backward(l, nothing)))
end
