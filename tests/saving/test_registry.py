import pytest

import ember
from ember.saving import (
    custom_object_scope,
    get_registered_name,
    get_registered_object,
    register_serializable,
)


def test_a_registered_class_is_found_by_its_registered_and_its_plain_name():
    @register_serializable(package="reg_test", name="Thing")
    class Local(ember.layers.Layer):
        pass

    assert get_registered_name(Local) == "reg_test>Thing"
    assert get_registered_object("reg_test>Thing") is Local
    assert get_registered_name(ember.layers.Dense) == "Dense"
    assert get_registered_object("NeverRegistered") is None


def test_two_classes_cannot_share_a_registered_name():
    @register_serializable(package="reg_test", name="Same")
    class One:
        pass

    with pytest.raises(ValueError, match="'reg_test>Same' is already registered"):
        @register_serializable(package="reg_test", name="Same")
        class Other:
            pass


def test_a_class_redefined_by_a_rerun_notebook_cell_replaces_the_old_one():
    def define():
        @register_serializable(package="reg_test")
        class Cell:
            pass
        return Cell

    first, second = define(), define()
    assert first is not second and get_registered_object("reg_test>Cell") is second

    with pytest.raises(ValueError, match="package must be a string without '>'"):
        register_serializable(package="a>b")


def test_custom_objects_win_over_scopes_and_scopes_nest():
    class A:
        pass

    class B:
        pass

    with custom_object_scope({"X": A}):
        assert get_registered_object("X") is A
        with custom_object_scope({"X": B}):
            assert get_registered_object("X") is B
            assert get_registered_object("X", custom_objects={"X": A}) is A
        assert get_registered_object("X") is A
    assert get_registered_object("X") is None
    with pytest.raises(TypeError, match="expects a dict"):
        with custom_object_scope([A]):
            pass
