
namespace Mecom.Tests.Migration;

/// <summary>The simulator's cores: work-conserving, preemptive, one core per task at a time.</summary>
public class CoreScheduleTests
{
    [Fact]
    public void A_task_runs_on_one_core_at_a_time()
    {
        var cores = new CoreSchedule(2);
        Assert.Equal(2.0, cores.Place(0, 2.0), 9);
        Assert.Equal(2.0, cores.Place(0, 2.0), 9); // the second core, beside it
        Assert.Equal(3.0, cores.Place(0, 1.0), 9); // both busy until 2
    }

    [Fact]
    public void A_task_fills_the_gaps_others_left_and_moves_to_the_core_that_frees_first()
    {
        var cores = new CoreSchedule(2);
        Assert.Equal(1.0, cores.Place(0, 1.0), 9);   // core A [0,1]
        Assert.Equal(3.0, cores.Place(0, 3.0), 9);   // core B [0,3]
        Assert.Equal(3.0, cores.Place(2, 1.0), 9);   // core A [2,3]: a 1 ms gap [1,2] stays on A
        // 1.5 ms ready at 0: the gap [1,2] on A, then the rest from 3 on either core.
        Assert.Equal(3.5, cores.Place(0, 1.5), 9);
        // Nothing idle was skipped: one more 1 ms task ready at 0 starts at 3 on the other core.
        Assert.Equal(4.0, cores.Place(0, 1.0), 9);
    }

    [Fact]
    public void A_task_says_when_it_first_ran_so_its_clock_time_includes_what_preempted_it()
    {
        // As a worker's stopwatch sees it: from its first instant on a core to its end, other tasks between.
        var cores = new CoreSchedule(1);
        cores.Place(0, 1.0);   // [0,1]
        cores.Place(2, 1.0);   // [2,3]
        Assert.Equal(4.0, cores.Place(0.5, 2.0, out double started), 9);   // [1,2] then [3,4]
        Assert.Equal(1.0, started, 9);
        Assert.Equal(7.0, cores.Place(7, 0, out started), 9);
        Assert.Equal(7.0, started, 9);
    }

    [Fact]
    public void Free_tasks_end_when_ready_and_forgotten_stretches_do_not_block()
    {
        var cores = new CoreSchedule(1);
        Assert.Equal(5.0, cores.Place(5, 0), 9);
        Assert.Equal(2.0, cores.Place(0, 2.0), 9);
        cores.Forget(2.0);
        Assert.Equal(2.5, cores.Place(2, 0.5), 9);
        Assert.Equal(12.0, cores.Place(10, 2.0), 9);
    }
}
