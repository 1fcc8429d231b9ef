# Chapter 4's numerical differentiation and gradient descent (twin of tests/test_chapter4.py),
# against the book's formulas restated.
using Test
using PyRef

@testset "gradient" begin
    function_1(x) = 0.01 * x^2 + 0.1 * x
    h = 1e-4
    @test numerical_diff(function_1, 5.0) == (function_1(5.0 + h) - function_1(5.0 - h)) / (2h)
    @test isapprox(numerical_diff(function_1, 10.0), 0.3; atol=1e-9)
    function_2(x) = sum(x .^ 2)
    g = numerical_gradient_1d(function_2, [3.0, 4.0])
    @test isapprox(g, [6.0, 8.0]; atol=1e-6)
    X = [3.0 4.0; 0.0 2.0; 3.0 0.0]
    G = numerical_gradient_2d(function_2, X)
    @test isapprox(G, 2 .* X; atol=1e-6) && X == [3.0 4.0; 0.0 2.0; 3.0 0.0]
    x, hist = gradient_descent(function_2, [-3.0, 4.0], 0.1, 20)
    @test size(hist) == (20, 2) && hist[1, :] == [-3.0, 4.0] && maximum(abs.(x)) < 0.05
    @test_throws ArgumentError numerical_gradient_1d(function_2, [1, 2])
    @test_throws ArgumentError numerical_gradient_2d(function_2, zeros(2, 2, 2))
    @test_throws ArgumentError gradient_descent(function_2, [1.0, 2.0], 0.1, -1)
    @test_throws ArgumentError numerical_diff(function_1, "x")
    @test step_function([-1.0, 0.0, 2.0]) == [0, 0, 1] && eltype(step_function([1.0])) == Int
    @test identity_function([1.0, 2.0]) == [1.0, 2.0]
    @test sigmoid_grad([0.0]) == [0.25]
end
