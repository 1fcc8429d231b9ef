# Sandwich layers (twin of pyref/cs231n/layer_utils.py): affine, an optional
# normalisation and a ReLU as one pair, the caches the tuples of the layers inside.

"""
    affine_relu_forward(x, w, b) -> (out, cache)

affine, then ReLU; cache (affine cache, relu cache).
"""
function affine_relu_forward(x, w, b)
    a, fc_cache = affine_forward(x, w, b)
    out, relu_cache = relu_forward(a)
    return out, (fc_cache, relu_cache)
end

"""
    affine_relu_backward(dout, cache) -> (dx, dw, db)
"""
function affine_relu_backward(dout, cache)
    fc_cache, relu_cache = cache
    return affine_backward(relu_backward(dout, relu_cache), fc_cache)
end

"""
    affine_bn_relu_forward(x, w, b, gamma, beta, bn_param) -> (out, cache)

affine, batch normalisation, ReLU; cache (affine, batchnorm, relu caches).
"""
function affine_bn_relu_forward(x, w, b, gamma, beta, bn_param)
    a, fc_cache = affine_forward(x, w, b)
    an, bn_cache = batchnorm_forward(a, gamma, beta, bn_param)
    out, relu_cache = relu_forward(an)
    return out, (fc_cache, bn_cache, relu_cache)
end

"""
    affine_bn_relu_backward(dout, cache) -> (dx, dw, db, dgamma, dbeta)
"""
function affine_bn_relu_backward(dout, cache)
    fc_cache, bn_cache, relu_cache = cache
    dan = relu_backward(dout, relu_cache)
    da, dgamma, dbeta = batchnorm_backward(dan, bn_cache)
    dx, dw, db = affine_backward(da, fc_cache)
    return dx, dw, db, dgamma, dbeta
end

"""
    affine_ln_relu_forward(x, w, b, gamma, beta, ln_param) -> (out, cache)

affine, layer normalisation, ReLU; cache (affine, layernorm, relu caches).
"""
function affine_ln_relu_forward(x, w, b, gamma, beta, ln_param)
    a, fc_cache = affine_forward(x, w, b)
    an, ln_cache = layernorm_forward(a, gamma, beta, ln_param)
    out, relu_cache = relu_forward(an)
    return out, (fc_cache, ln_cache, relu_cache)
end

"""
    affine_ln_relu_backward(dout, cache) -> (dx, dw, db, dgamma, dbeta)
"""
function affine_ln_relu_backward(dout, cache)
    fc_cache, ln_cache, relu_cache = cache
    dan = relu_backward(dout, relu_cache)
    da, dgamma, dbeta = layernorm_backward(dan, ln_cache)
    dx, dw, db = affine_backward(da, fc_cache)
    return dx, dw, db, dgamma, dbeta
end
